/**
 * `npm run bench -- redaction`: what redacting every secret form costs on the hot path (each log
 * chunk of a job goes through it), beside the floor measured in the same run: replacing only the
 * secrets' exact values. A 1 MiB chunk of npm-like output with 20 secrets, some base64-encoded.
 * Writes bench/results/redaction-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Redactor } from "../apps/worker/src/pipeline/redact.js";
import { summarize } from "./stats.js";

const N = Number(process.argv[2] ?? 50);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const secrets = Array.from({ length: 20 }, (_, i) => `tok_${i}_${b64(`${i}-s3cr3t-token-value-42`).slice(0, 30)}`);
const line = "npm info run some-package@1.2.3 postinstall node_modules/some-package node scripts/build.js\n";
let chunk = "";
for (let i = 0; chunk.length < 1 << 20; i++) {
  chunk += i % 500 === 0 ? `token ${b64(secrets[i % 20] as string)} and ${secrets[(i + 7) % 20]}\n` : line;
}

/** CPU milliseconds of each of `n` runs (after two untimed ones): other work on the machine does not count. */
function cpuSamples(n: number, fn: () => string): number[] {
  fn();
  fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.cpuUsage();
    fn();
    const used = process.cpuUsage(started);
    out.push((used.user + used.system) / 1000);
  }
  return out;
}

const built = performance.now();
const redactor = new Redactor(secrets);
const buildMs = performance.now() - built;
const exactOnly = () => secrets.reduce((text, s) => text.replaceAll(s, "[redacted]"), chunk);
const leaks = secrets.filter((s) => redactor.redact(chunk).includes(s) || redactor.redact(chunk).includes(b64(s)));
const results = {
  every_form: summarize(cpuSamples(N, () => redactor.redact(chunk))),
  exact_values_only: summarize(cpuSamples(N, exactOnly)),
};
const ratio = Math.round((results.every_form.p50 / results.exact_values_only.p50) * 100) / 100;
const report = {
  benchmark: "redaction",
  at: new Date().toISOString(),
  host: hostname(),
  chunkBytes: chunk.length,
  secrets: secrets.length,
  samples: N,
  unit: "CPU milliseconds per 1 MiB chunk",
  redactorBuildMs: Math.round(buildMs * 100) / 100,
  results,
  ratio_every_form_to_exact: ratio,
  leaks: leaks.length,
};
mkdirSync("bench/results", { recursive: true });
const file = join("bench/results", `redaction-${report.at.replaceAll(":", "-").replace(".", "-")}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `every form ${results.every_form.p50} ms p50 (p90 ${results.every_form.p90}) per MiB; exact values only ${results.exact_values_only.p50} ms; ${ratio}×; leaks ${leaks.length}`,
);
console.log(`written ${file}`);
