import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EgressDoor } from "./door.js";
import { EgressProxy } from "./proxy.js";
import { bridgeStartCommand, egressEnv, SANDBOX_EGRESS } from "./sandbox-env.js";
import { eventSink, startOrigin, startTcpTarget } from "./test-support.js";

const SANDBOX_IMAGE = "patchbay/sandbox:1";
const BARE_IMAGE = "patchbay/debian-base:bookworm";
const HINT = "add it to spec.environment.allow or the project's allowlist: patchbay env allow <host> --project P";
const docker = new Dockerode();
const BIG = 8 * 1024 * 1024;

/** Runs a shell script in the container as its user; stdout and stderr apart. */
async function run(
  container: Dockerode.Container,
  script: string,
): Promise<{ code: number; out: string; err: string }> {
  const exec = await container.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  let out = "";
  let err = "";
  const o = new PassThrough().on("data", (c: Buffer) => {
    out += c.toString();
  });
  const e = new PassThrough().on("data", (c: Buffer) => {
    err += c.toString();
  });
  docker.modem.demuxStream(stream, o, e);
  await new Promise((resolve) => stream.on("end", resolve));
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, out, err };
}

/** A hardened container like a job's sandbox, with the door and the bridge mounted. */
async function startSandbox(image: string, door: EgressDoor, bridge: string): Promise<Dockerode.Container> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ["sleep", "infinity"],
    User: "1000:1000",
    Env: Object.entries(egressEnv()).map(([k, v]) => `${k}=${v}`),
    Labels: { "patchbay.test": "egress" },
    HostConfig: {
      NetworkMode: "none",
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: true,
      Init: true,
      Tmpfs: { "/tmp": "rw,size=16m,mode=1777" },
      Binds: [`${door.hostDir}:${SANDBOX_EGRESS.socketDir}:ro`, `${bridge}:${SANDBOX_EGRESS.bridgePath}:ro`],
      PidsLimit: 128,
      Memory: 256 * 1024 * 1024,
    },
  });
  await container.start();
  return container;
}

const PY_TUNNEL_RAW = `
import socket
s = socket.create_connection(("127.0.0.1", ${SANDBOX_EGRESS.port}))
s.sendall(b"CONNECT tunnel.test:443 HTTP/1.1\\r\\nHost: tunnel.test:443\\r\\n\\r\\n")
head = b""
while b"\\r\\n\\r\\n" not in head:
    head += s.recv(1)
print(head.split(b"\\r\\n")[0].decode())
s.sendall(b"hello")
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    d = s.recv(4096)
    if not d: break
    out += d
print(out.decode())
`;

const PY_HTTP = `
import urllib.request, urllib.error, http.client, sys
def get(url):
    try:
        r = urllib.request.urlopen(url, timeout=10)
        return "%d %s" % (r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        return "%d %s" % (e.code, e.read().decode())
    except Exception as e:
        return "ERR %s %s" % (type(e).__name__, e)
for url in sys.argv[1:]:
    print(get(url).replace("\\n", " | "))
`;

const PY_CONNECT_HTTP = `
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", ${SANDBOX_EGRESS.port}, timeout=10)
c.set_tunnel(sys.argv[1], int(sys.argv[2]))
try:
    c.request("GET", "/tunneled")
    r = c.getresponse()
    print(r.status, r.read().decode())
except OSError as e:
    print("ERR", e)
`;

describe("egress through the bridge from real hardened containers", () => {
  let work: string;
  let bridge: string;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let tcp: Awaited<ReturnType<typeof startTcpTarget>>;
  let proxy: EgressProxy;
  const containers: Dockerode.Container[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "pb-egress-int-"));
    // Built from this source, as scripts/build-egress-bridge.sh does, so the test covers the code here.
    bridge = join(work, "egress-bridge");
    const source = join(dirname(fileURLToPath(import.meta.url)), "..", "bridge", "egress-bridge.c");
    await promisify(execFile)("cc", ["-static", "-O2", "-o", bridge, source]);
    origin = await startOrigin();
    tcp = await startTcpTarget();
    proxy = new EgressProxy({
      socketRoot: join(work, "doors"),
      hostMap: { "registry.test": `127.0.0.1:${origin.port}`, "tunnel.test": `127.0.0.1:${tcp.port}` },
    });
  });

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => {})));
    await proxy?.close();
    origin?.server.close();
    tcp?.server.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function sandbox(image: string) {
    const sink = eventSink();
    const door = await proxy.openDoor({
      id: `int-${image.replace(/\W/g, "-")}`,
      allow: ["registry.test", "tunnel.test", "127.0.0.1"],
      denyHint: HINT,
      onConnection: sink.on,
    });
    const container = await startSandbox(image, door, bridge);
    containers.push(container);
    const started = await run(container, bridgeStartCommand());
    expect(started, started.err).toMatchObject({ code: 0 });
    return { sink, door, container };
  }

  describe(`in ${SANDBOX_IMAGE} (uid 1000, network none, read-only root)`, () => {
    let s: Awaited<ReturnType<typeof sandbox>>;
    beforeAll(async () => {
      s = await sandbox(SANDBOX_IMAGE);
    });

    it("python urllib (HTTP_PROXY), a CONNECT tunnel, node fetch and git reach the origin, with events and bytes", async () => {
      const before = s.sink.events.length;
      const http = await run(s.container, `python3 -c '${PY_HTTP}' http://registry.test/hello?token=s3cret`);
      expect(http.out.trim()).toBe("200 origin:GET:/hello?token=s3cret");
      const tunneled = await run(s.container, `python3 -c '${PY_CONNECT_HTTP}' registry.test 80`);
      expect(tunneled.out.trim()).toBe("200 origin:GET:/tunneled");
      const raw = await run(s.container, `python3 -c '${PY_TUNNEL_RAW}'`);
      expect(raw.out.split("\n").slice(0, 2)).toEqual(["HTTP/1.1 200 Connection Established", "tcp:olleh"]);
      const node = await run(
        s.container,
        `node -e 'fetch("http://registry.test/node").then(r => r.text()).then(console.log)'`,
      );
      expect(node.out.trim()).toBe("origin:GET:/node");
      await run(s.container, "cd /tmp && git ls-remote http://registry.test/repo.git");
      expect(origin.seen.some((r) => String(r.url).startsWith("/repo.git/info/refs"))).toBe(true);

      await s.sink.next(before + 5);
      const events = s.sink.events.slice(before);
      expect(events[0]).toMatchObject({ host: "registry.test", port: 80, method: "GET", status: 200, allowed: true });
      expect(events[0]?.bytesDown).toBe("origin:GET:/hello?token=s3cret".length);
      expect(events[1]).toMatchObject({ host: "registry.test", port: 80, method: null, status: 200, allowed: true });
      expect(events[1]?.bytesDown).toBeGreaterThan(0);
      expect(events[2]).toMatchObject({ host: "tunnel.test", port: 443, method: null, bytesUp: 5, bytesDown: 9 });
      expect(JSON.stringify(events)).not.toContain("s3cret");
    });

    it("carries many connections at once and large bodies through one bridge", async () => {
      const before = s.sink.events.length;
      const script = `python3 -c 'import urllib.request, concurrent.futures as f
def get(i):
    return urllib.request.urlopen("http://registry.test/big/%d" % (${BIG} if i == 0 else 1000 + i), timeout=30).read()
with f.ThreadPoolExecutor(40) as pool:
    sizes = [len(b) for b in pool.map(get, range(40))]
print(sizes[0], sum(1 for i, n in enumerate(sizes[1:], 1) if n == 1000 + i))'`;
      const res = await run(s.container, script);
      expect(res.out.trim(), res.err).toBe(`${BIG} 39`);
      await s.sink.next(before + 40);
      const big = s.sink.events.slice(before).find((e) => e.bytesDown === BIG);
      expect(big).toMatchObject({ status: 200, allowed: true });
    });

    it("refuses a host off the allowlist with a 403 naming the host and the setting", async () => {
      const before = s.sink.events.length;
      const plain = await run(s.container, `python3 -c '${PY_HTTP}' http://elsewhere.test/x`);
      expect(plain.out).toMatch(/^403 .*elsewhere\.test.*patchbay env allow elsewhere\.test --project P/);
      const tunnel = await run(s.container, `python3 -c '${PY_CONNECT_HTTP}' elsewhere.test 443`);
      expect(tunnel.out).toContain("403");
      await s.sink.next(before + 2);
      expect(s.sink.events.slice(before).map((e) => [e.host, e.allowed, e.reason])).toEqual([
        ["elsewhere.test", false, "not_allowed"],
        ["elsewhere.test", false, "not_allowed"],
      ]);
    });

    it("delivers the 403 for a refused POST whose body the proxy never reads", async () => {
      // The proxy answers after the headers and closes; the body still on its way used to make the
      // bridge drop the pair, answer included (the client saw a closed connection, no status).
      const script = `python3 -c 'import urllib.request, urllib.error
for i in range(6):
    req = urllib.request.Request("http://elsewhere.test/upload", data=b"x" * (1 << 22), method="POST")
    try:
        print(urllib.request.urlopen(req, timeout=10).status)
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode().split(":")[0])
    except Exception as e:
        print("ERR", type(e).__name__)'`;
      const res = await run(s.container, script);
      expect(res.out.trim().split("\n"), res.err).toEqual(Array(6).fill("403 Patchbay egress proxy"));
    });

    it("refuses private addresses that no hostMap entry names, even when allowlisted", async () => {
      const before = s.sink.events.length;
      const script = `python3 -c 'import http.client
c = http.client.HTTPConnection("127.0.0.1", ${SANDBOX_EGRESS.port}, timeout=10)
c.request("GET", "http://127.0.0.1:${origin.port}/private")
r = c.getresponse(); print(r.status, r.read().decode())'`;
      const res = await run(s.container, script);
      expect(res.out).toMatch(/^403 .*127\.0\.0\.1.*private/);
      expect(origin.seen.some((r) => r.url === "/private")).toBe(false);
      await s.sink.next(before + 1);
      expect(s.sink.events.at(-1)).toMatchObject({ host: "127.0.0.1", allowed: false, reason: "private_address" });
    });

    it("after door.close() nothing connects: not through the bridge, not to the socket directly", async () => {
      await s.door.close();
      const before = { events: s.sink.events.length, seen: origin.seen.length, tcp: tcp.accepted() };
      const viaBridge = await run(s.container, `python3 -c '${PY_HTTP}' http://registry.test/after-close`);
      expect(viaBridge.out).toMatch(/^502 .*no network access/);
      const tunnel = await run(s.container, `python3 -c '${PY_CONNECT_HTTP}' tunnel.test 443`);
      expect(tunnel.out).toMatch(/^ERR .*502/);
      const direct = await run(
        s.container,
        `python3 -c 'import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect("${SANDBOX_EGRESS.socketDir}/proxy.sock"); print("CONNECTED")
except OSError as e:
    print(type(e).__name__)'; ls -A ${SANDBOX_EGRESS.socketDir} | wc -l`,
      );
      expect(direct.out.split("\n")[0]).toMatch(/^(FileNotFoundError|ConnectionRefusedError)$/);
      expect(direct.out.split("\n")[1]).toBe("0");
      expect(s.sink.events.length).toBe(before.events);
      expect(origin.seen.length).toBe(before.seen);
      expect(tcp.accepted()).toBe(before.tcp);
    });
  });

  it(`works in the bare ${BARE_IMAGE} (no node, no python): bash /dev/tcp through the bridge`, async () => {
    const s = await sandbox(BARE_IMAGE);
    const none = await run(s.container, "command -v python3 node || echo none");
    expect(none.out.trim()).toBe("none");
    const res = await run(
      s.container,
      `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${SANDBOX_EGRESS.port}
printf "GET http://registry.test/bare HTTP/1.1\\r\\nHost: registry.test\\r\\nConnection: close\\r\\n\\r\\n" >&3
cat <&3'`,
    );
    expect(res.out).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(res.out).toContain("origin:GET:/bare");
    await s.sink.next(1);
    expect(s.sink.events[0]).toMatchObject({ host: "registry.test", method: "GET", status: 200, allowed: true });
    await s.door.close();
  });
});
