import { PassThrough } from "node:stream";
import Docker from "dockerode";

const docker = new Docker();
const c = docker.getContainer("pbexp");
async function run(cmd: string[]) {
  const t0 = performance.now();
  const ex = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, User: "1000:1000" });
  const s = await ex.start({ hijack: true, stdin: false });
  const out = new PassThrough(),
    err = new PassThrough();
  let first = 0;
  out.on("data", () => {
    if (!first) first = performance.now() - t0;
  });
  err.resume();
  docker.modem.demuxStream(s, out, err);
  let done = false;
  const poll = (async () => {
    while (!done) {
      const i = await ex.inspect();
      if (!i.Running) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
    }
    return -1;
  })();
  await new Promise<void>((res) => s.on("end", () => res()));
  done = true;
  console.log(
    cmd.at(-1),
    "first",
    first.toFixed(0),
    "end",
    (performance.now() - t0).toFixed(0),
    "notRunningAt",
    (await poll).toFixed(0),
  );
}
await run(["bash", "-c", "sleep 3 & echo started"]);
await run(["bash", "-c", "sleep 3 >/dev/null 2>&1 & echo started"]);
await run(["bash", "-c", "sleep 3 </dev/null >/dev/null 2>&1 & echo started"]);
await run(["bash", "-c", "sleep 0.5; echo x"]);
