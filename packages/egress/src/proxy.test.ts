import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EgressDoor } from "./door.js";
import { EgressProxy } from "./proxy.js";
import { eventSink, proxyConnect, proxyGet, roundTrip, startOrigin, startTcpTarget } from "./test-support.js";

const HINT = "add it to spec.environment.allow or the project's allowlist: patchbay env allow <host> --project P";

describe("EgressProxy over a door's unix socket", () => {
  let root: string;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let tcp: Awaited<ReturnType<typeof startTcpTarget>>;
  let proxy: EgressProxy;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "pb-egress-"));
    origin = await startOrigin();
    tcp = await startTcpTarget();
    proxy = new EgressProxy({
      socketRoot: root,
      hostMap: { "registry.test": `127.0.0.1:${origin.port}`, "tunnel.test": `127.0.0.1:${tcp.port}` },
      idleTimeoutMs: 1500,
    });
  });

  afterAll(async () => {
    await proxy.close();
    origin.server.close();
    tcp.server.close();
    await rm(root, { recursive: true, force: true });
  });

  async function door(allow: string[], methods?: string[], maxConnections?: number) {
    const sink = eventSink();
    const d = await proxy.openDoor({
      id: "job 1/x",
      allow,
      methods,
      denyHint: HINT,
      onConnection: sink.on,
      maxConnections,
    });
    return { door: d, sink, sock: join(d.hostDir, "proxy.sock") };
  }

  it("forwards plain HTTP to an allowed host and reports it without the query or headers", async () => {
    const { door: d, sink, sock } = await door(["registry.test"]);
    const res = await proxyGet(sock, "http://registry.test/pkg?token=s3cret", {
      headers: { "proxy-authorization": "Basic eA==", authorization: "Bearer s3cret" },
    });
    expect(res).toEqual({ status: 200, body: "origin:GET:/pkg?token=s3cret" });
    const seen = origin.seen.at(-1) as { headers: Record<string, string> };
    expect(seen.headers.host).toBe("registry.test");
    expect(seen.headers["proxy-authorization"]).toBeUndefined();
    await sink.next(1);
    expect(sink.events[0]).toMatchObject({
      host: "registry.test",
      port: 80,
      method: "GET",
      status: 200,
      allowed: true,
    });
    expect(sink.events[0]?.bytesDown).toBe(res.body.length);
    expect(JSON.stringify(sink.events)).not.toContain("s3cret");
    expect((await stat(d.hostDir)).mode & 0o777).toBe(0o755);
    expect((await stat(sock)).mode & 0o777).toBe(0o666);
    await d.close();
  });

  it("tells its owner as each tunnel begins, long before the tunnel ends and is reported", async () => {
    const sink = eventSink();
    let opened = 0;
    const d = await proxy.openDoor({
      id: "opens",
      allow: ["tunnel.test:443"],
      denyHint: HINT,
      onConnection: sink.on,
      onOpen: () => opened++,
    });
    const tunnel = await proxyConnect(join(d.hostDir, "proxy.sock"), "tunnel.test:443");
    expect(tunnel.status).toBe(200);
    expect(opened).toBe(1);
    expect(sink.events).toHaveLength(0);
    tunnel.socket.destroy();
    await sink.next(1);
    expect(opened).toBe(1);
    await d.close();
  });

  it("counts request bodies as bytes up", async () => {
    const { door: d, sink, sock } = await door(["REGISTRY.test"]);
    const res = await proxyGet(sock, "http://registry.test/publish", { method: "PUT", body: "x".repeat(1000) });
    expect(res.status).toBe(200);
    await sink.next(1);
    expect(sink.events[0]).toMatchObject({ method: "PUT", bytesUp: 1000 });
    expect(d.counts()).toMatchObject({ allowed: 1, denied: 0, bytesUp: 1000 });
    await d.close();
  });

  it("refuses a host off the allowlist with a 403 naming the host and the setting", async () => {
    const { door: d, sink, sock } = await door(["*.registry.test"]);
    const before = origin.seen.length;
    const res = await proxyGet(sock, "http://registry.test/x");
    expect(res.status).toBe(403);
    expect(res.body).toContain("registry.test");
    expect(res.body).toContain("patchbay env allow registry.test --project P");
    const tunnel = await proxyConnect(sock, "tunnel.test:443");
    expect(tunnel.status).toBe(403);
    expect(tunnel.body).toContain("tunnel.test");
    expect(tunnel.body).toContain("spec.environment.allow");
    await sink.next(2);
    expect(sink.events.map((e) => [e.host, e.method, e.status, e.allowed, e.reason])).toEqual([
      ["registry.test", "GET", 403, false, "not_allowed"],
      ["tunnel.test", null, 403, false, "not_allowed"],
    ]);
    expect(origin.seen.length).toBe(before);
    expect(d.counts()).toMatchObject({ allowed: 0, denied: 2 });
    await d.close();
  });

  it("tunnels CONNECT byte for byte, half-close included, with method null", async () => {
    const { door: d, sink, sock } = await door(["tunnel.test:443"], ["GET", "HEAD", "OPTIONS"]);
    const tunnel = await proxyConnect(sock, "tunnel.test:443");
    expect(tunnel.status).toBe(200);
    expect(await roundTrip(tunnel.socket, "hello")).toBe("tcp:olleh");
    await sink.next(1);
    expect(sink.events[0]).toMatchObject({ host: "tunnel.test", port: 443, method: null, status: 200, allowed: true });
    expect(sink.events[0]).toMatchObject({ bytesUp: 5, bytesDown: 9 });
    expect(sink.events[0]?.reason).toBeUndefined();
    // The port is part of the rule.
    expect((await proxyConnect(sock, "tunnel.test:8443")).status).toBe(403);
    await d.close();
  });

  it("enforces allowed methods on plain HTTP", async () => {
    const { door: d, sink, sock } = await door(["registry.test"], ["GET", "HEAD", "OPTIONS"]);
    expect((await proxyGet(sock, "http://registry.test/a", { method: "HEAD" })).status).toBe(200);
    const post = await proxyGet(sock, "http://registry.test/a", { method: "POST", body: "x" });
    expect(post.status).toBe(403);
    expect(post.body).toContain("POST");
    await sink.next(2);
    expect(sink.events[1]).toMatchObject({ method: "POST", allowed: false, reason: "method_not_allowed" });
    await d.close();
  });

  it("refuses loopback and private destinations that no hostMap entry names", async () => {
    const { door: d, sink, sock } = await door(["127.0.0.1", "localhost", "169.254.169.254"]);
    const direct = await proxyGet(sock, `http://127.0.0.1:${origin.port}/`);
    expect(direct.status).toBe(403);
    expect(direct.body).toContain("127.0.0.1");
    expect((await proxyGet(sock, `http://localhost:${origin.port}/`)).status).toBe(403);
    expect((await proxyConnect(sock, `127.0.0.1:${tcp.port}`)).status).toBe(403);
    expect((await proxyGet(sock, "http://169.254.169.254/latest/meta-data")).status).toBe(403);
    await sink.next(4);
    expect(sink.events.every((e) => e.reason === "private_address" && !e.allowed)).toBe(true);
    await d.close();

    const open = new EgressProxy({ socketRoot: root, allowPrivateAddresses: true });
    const sink2 = eventSink();
    const d2 = await open.openDoor({ id: "p", allow: ["127.0.0.1"], denyHint: HINT, onConnection: sink2.on });
    expect((await proxyGet(join(d2.hostDir, "proxy.sock"), `http://127.0.0.1:${origin.port}/ok`)).status).toBe(200);
    await open.close();
  });

  it("answers 502 when the origin refuses the connection", async () => {
    const dead = new EgressProxy({ socketRoot: root, hostMap: { "dead.test": "127.0.0.1:1" } });
    const sink = eventSink();
    const d = await dead.openDoor({ id: "dead", allow: ["dead.test"], denyHint: HINT, onConnection: sink.on });
    const res = await proxyGet(join(d.hostDir, "proxy.sock"), "http://dead.test/");
    expect(res.status).toBe(502);
    await sink.next(1);
    expect(sink.events[0]).toMatchObject({ allowed: true, status: 502, reason: "connect_failed" });
    await dead.close();
  });

  it("close() cuts open tunnels, removes the socket and its directory, and nothing connects after", async () => {
    const { door: d, sink, sock } = await door(["tunnel.test"]);
    const tunnel = await proxyConnect(sock, "tunnel.test:443");
    expect(tunnel.status).toBe(200);
    const cut = new Promise<void>((resolve) => tunnel.socket.once("close", () => resolve()));
    tunnel.socket.write("partial");
    await d.close();
    await cut;
    await sink.next(1);
    expect(sink.events[0]).toMatchObject({ host: "tunnel.test", reason: "closed" });
    expect(existsSync(d.hostDir)).toBe(false);
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => connect(sock).on("error", resolve));
    expect(err.code).toBe("ENOENT");
    expect(proxy.openDoors).toBe(0);
  });

  it("a door given a folder (a sandbox's runner folder) listens there and leaves the folder on close", async () => {
    const folder = await mkdtemp(join(root, "runner-"));
    await writeFile(join(folder, "run.sock"), "");
    const sink = eventSink();
    const d = await proxy.openDoor({
      id: "lent",
      allow: ["registry.test"],
      denyHint: HINT,
      onConnection: sink.on,
      folder,
    });
    expect(d.hostDir).toBe(folder);
    const res = await proxyGet(join(folder, "proxy.sock"), "http://registry.test/pkg");
    expect(res.status).toBe(200);
    await d.close();
    expect(existsSync(join(folder, "proxy.sock"))).toBe(false);
    expect(existsSync(join(folder, "run.sock"))).toBe(true);
  });

  it("setPolicy takes a host off the list: open tunnels to it are cut, new requests refused", async () => {
    const { door: d, sink, sock } = await door(["tunnel.test", "registry.test"]);
    const tunnel = await proxyConnect(sock, "tunnel.test:443");
    const cut = new Promise<void>((resolve) => tunnel.socket.once("close", () => resolve()));
    d.setPolicy({ allow: ["registry.test"] });
    await cut;
    expect((await proxyConnect(sock, "tunnel.test:443")).status).toBe(403);
    expect((await proxyGet(sock, "http://registry.test/")).status).toBe(200);
    d.setPolicy({ allow: [] });
    expect((await proxyGet(sock, "http://registry.test/")).status).toBe(403);
    await sink.next(4);
    expect(sink.events[0]).toMatchObject({ host: "tunnel.test", reason: "closed" });
    expect(() => d.setPolicy({ allow: ["https://x.org/"] })).toThrow(/URL/);
    await d.close();
  });

  it("cuts an idle tunnel and refuses connections past the door's limit", async () => {
    const { door: d, sink, sock } = await door(["tunnel.test"], undefined, 1);
    const tunnel = await proxyConnect(sock, "tunnel.test:443");
    const second = await proxyGet(sock, "http://tunnel.test/").catch((e: Error) => ({ status: 0, body: e.message }));
    expect(second.status).toBe(503);
    await sink.next(1);
    expect(sink.events[0]).toMatchObject({ reason: "idle_timeout" });
    expect(tunnel.socket.destroyed).toBe(true);
    await d.close();
  });
});

describe("door ids", () => {
  it("keeps the directory name safe whatever the id", async () => {
    const root = await mkdtemp(join(tmpdir(), "pb-egress-"));
    const proxy = new EgressProxy({ socketRoot: root });
    const d: EgressDoor = await proxy.openDoor({ id: "../../etc", allow: [], denyHint: "", onConnection: () => {} });
    expect(d.hostDir.startsWith(`${root}/`)).toBe(true);
    expect(d.hostDir.slice(root.length + 1)).not.toContain("/");
    await proxy.close();
    await rm(root, { recursive: true, force: true });
  });
});
