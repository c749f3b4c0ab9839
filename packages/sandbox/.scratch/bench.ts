import { DockerSandboxProvider } from "../src/index.js";
import { runRaw } from "../src/file-ops.js";
import Docker from "dockerode";
const p = new DockerSandboxProvider({ image: "patchbay/sandbox:1" });
const creates: number[] = [];
for (let i = 0; i < 10; i++) { const t = performance.now(); const s = await p.create({ jobId: "bench-c" }); creates.push(performance.now() - t); const t2 = performance.now(); await s.destroy(); if (i === 0) console.log("destroy", (performance.now() - t2).toFixed(0)); }
const sb = await p.create({ jobId: "bench-1" });
const c = new Docker().getContainer(sb.id);
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(1);
async function time(label: string, f: () => Promise<unknown>, n = 20) { const a: number[] = []; for (let i = 0; i < n; i++) { const t = performance.now(); await f(); a.push(performance.now() - t); } console.log(label, "p50", med(a)); }
console.log("create+start p50", med(creates));
try {
  await time("raw true", () => runRaw(c, ["true"]));
  await time("raw bash -c true", () => runRaw(c, ["bash", "-c", "true"]));
  await time("raw bash -lc true", () => runRaw(c, ["bash", "-lc", "true"]));
  await time("raw setsid -w bash -c true", () => runRaw(c, ["setsid", "-w", "bash", "-c", "true"]));
  await time("sb.exec true", () => sb.exec("true"));
  await time("writeFile", () => sb.writeFile("x.txt", "hello"));
  await time("readFile", () => sb.readFile("x.txt"));
} finally { await sb.destroy(); }
