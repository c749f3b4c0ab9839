import Docker from "dockerode";
import { PassThrough } from "node:stream";
const docker = new Docker();
const c = await docker.createContainer({ Image: "patchbay/sandbox:1", Labels: { "patchbay.managed": "1" }, HostConfig: { NetworkMode: "none", Init: true } });
await c.start();
const rows: Record<string, number[]> = {};
const add = (k: string, v: number) => (rows[k] ??= []).push(v);
try {
  for (const hijack of [true, false]) for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const ex = await c.exec({ Cmd: ["true"], AttachStdout: true, AttachStderr: true });
    const t1 = performance.now();
    const s = await ex.start({ hijack, stdin: false });
    const t2 = performance.now();
    s.resume();
    await new Promise((r) => s.on("end", r));
    const t3 = performance.now();
    await ex.inspect();
    const t4 = performance.now();
    add(`${hijack} create`, t1 - t0); add(`${hijack} start`, t2 - t1); add(`${hijack} end`, t3 - t2); add(`${hijack} inspect`, t4 - t3); add(`${hijack} total`, t4 - t0);
  }
} finally { await c.remove({ force: true }); }
for (const [k, a] of Object.entries(rows)) console.log(k, a.sort((x, y) => x - y)[10]!.toFixed(1));
