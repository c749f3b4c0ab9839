import { DockerSandboxProvider } from "../src/index.js";
const p = new DockerSandboxProvider({ image: "patchbay/sandbox:1" });
const t0 = performance.now();
const sb = await p.create({ jobId: "smoke-1", memoryMb: 256, pidsLimit: 64 });
console.log("create ms", (performance.now() - t0).toFixed(0));
try {
  for (let i = 0; i < 5; i++) { const t = performance.now(); await sb.exec("true"); console.log("exec true ms", (performance.now() - t).toFixed(1)); }
  console.log(await sb.exec("echo out; echo err >&2; id -u; pwd; echo $PATH; exit 3"));
  console.log(await sb.exec("pwd", { cwd: "/nope" }));
  let t = performance.now();
  const r = await sb.exec("sleep 100 & sleep 100; echo never", { timeoutMs: 500 });
  console.log("timeout", r, (performance.now() - t).toFixed(0));
  console.log((await sb.exec("ps -eo pid,pgid,stat,comm")).stdout);
  const big = await sb.exec("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo END");
  console.log("big", big.stdout.length, big.truncatedBytes, big.stdout.slice(524280, 524330), big.stdout.slice(-20));
  await sb.writeFile("a/b/c.txt", "héllo\n");
  console.log("read", String(await sb.readFile("a/b/c.txt")), await sb.readFile("nope"));
  console.log((await sb.exec("ls -la a/b; stat -c %U a/b/c.txt")).stdout);
  await sb.deleteFile("a/b/c.txt");
  console.log("after delete", await sb.readFile("a/b/c.txt"));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  t = performance.now();
  await sb.exec("sleep 50", { signal: ac.signal }).catch((e) => console.log("abort", e.code, (performance.now() - t).toFixed(0)));
  console.log(await sb.state());
} finally {
  await sb.destroy(); await sb.destroy();
  console.log("left", await p.list());
}
