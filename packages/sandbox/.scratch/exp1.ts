import { PassThrough } from "node:stream";
import Docker from "dockerode";

const docker = new Docker();
const c = docker.getContainer("pbexp");
async function run(cmd: string[], stdin?: Buffer) {
  const t0 = performance.now();
  const ex = await c.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: !!stdin,
    User: "1000:1000",
  });
  const s = await ex.start({ hijack: true, stdin: !!stdin });
  const out = new PassThrough(),
    err = new PassThrough();
  const o: Buffer[] = [],
    e: Buffer[] = [];
  out.on("data", (d) => o.push(d));
  err.on("data", (d) => e.push(d));
  docker.modem.demuxStream(s, out, err);
  if (stdin) s.end(stdin);
  await new Promise<void>((res) => s.on("end", () => res()));
  const t1 = performance.now();
  const info = await ex.inspect();
  console.log(
    JSON.stringify(cmd).slice(0, 60),
    "exit",
    info.ExitCode,
    info.Running,
    "out",
    Buffer.concat(o).toString().slice(0, 100),
    "err",
    Buffer.concat(e).toString().slice(0, 100),
    "ms",
    (t1 - t0).toFixed(1),
    (performance.now() - t0).toFixed(1),
  );
}
await run(["true"]);
await run(["true"]);
await run(["bash", "-c", "echo hi; echo bad >&2; exit 3"]);
await run(["bash", "-c", "wc -c; cat"], Buffer.from("hello world\n"));
await run(["bash", "-c", "cat > /workspace/x && wc -c /workspace/x"], Buffer.alloc(5_000_000, 97));
await run(["bash", "-c", "sleep 3 & echo started"]);
await run(["bash", "-c", "sleep 3 >/dev/null 2>&1 & echo started"]);
