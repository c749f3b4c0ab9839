import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type ApiClient, CliError } from "../api-client.js";
import { compareRuns, comparisonMarkdown } from "../eval/compare.js";
import { loadInstances } from "../eval/instance.js";
import { percent, writeReport } from "../eval/report.js";
import { runEval } from "../eval/run.js";
import { RunFolder } from "../eval/run-folder.js";
import type { Out } from "./jobs.js";

/** The flags `patchbay eval` reads. */
export interface EvalFlags {
  concurrency?: string | undefined;
  out?: string | undefined;
  model?: string | undefined;
  engine?: string | undefined;
  attempts?: string | undefined;
  timeout?: string | undefined;
  maxTurns?: string | undefined;
  quiet?: boolean | undefined;
}

function positiveInt(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`${flag} must be a whole number from 1 to ${max}`);
  return n;
}

/** `patchbay eval compare <runA> <runB> [--out DIR]`: prints (and with --out writes) the comparison. */
function compare(args: string[], flags: EvalFlags, out: Out): number {
  const [a, b] = args;
  if (!a || !b) throw new CliError("usage: patchbay eval compare <runA> <runB> [--out DIR]");
  const comparison = compareRuns(a, b);
  const markdown = comparisonMarkdown(comparison);
  if (flags.out) {
    mkdirSync(flags.out, { recursive: true });
    writeFileSync(path.join(flags.out, "compare.json"), `${JSON.stringify(comparison, null, 2)}\n`);
    writeFileSync(path.join(flags.out, "compare.md"), markdown);
  }
  out.print(out.json ? JSON.stringify(comparison) : markdown.trimEnd());
  return 0;
}

/**
 * `patchbay eval <instances.json> [--out DIR] [--concurrency N] [--model M] [--engine E] [--attempts N]`:
 * runs the instances not yet finished in DIR, then writes DIR/report.json and DIR/report.md.
 * Exit 0 when every instance finished, 2 when some could not (a rerun continues them).
 */
export async function evalCommand(api: ApiClient, args: string[], flags: EvalFlags, out: Out): Promise<number> {
  if (args[0] === "compare") return compare(args.slice(1), flags, out);
  const file = args[0];
  if (!file)
    throw new CliError("usage: patchbay eval <instances.json> [--out DIR] [--concurrency N] (patchbay help eval)");
  const instances = loadInstances(file);
  const outDir = flags.out ?? path.join("eval-results", path.basename(file, path.extname(file)));
  const attempts = positiveInt("--attempts", flags.attempts, 8);
  const timeoutSec = positiveInt("--timeout", flags.timeout, 24 * 3600);
  const maxTurns = positiveInt("--max-turns", flags.maxTurns, 1000);
  const log = flags.quiet ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
  await runEval(api, {
    instancesFile: path.resolve(file),
    instances,
    outDir,
    concurrency: positiveInt("--concurrency", flags.concurrency, 64) ?? 4,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.engine ? { engine: flags.engine } : {}),
    ...(attempts ? { attempts } : {}),
    ...(timeoutSec || maxTurns
      ? { limits: { ...(timeoutSec ? { timeoutSec } : {}), ...(maxTurns ? { maxTurns } : {}) } }
      : {}),
    log,
  });
  const report = writeReport(new RunFolder(outDir), instances);
  const s = report.summary;
  out.print(
    out.json
      ? JSON.stringify(report)
      : `resolved ${s.resolved}/${s.instances} (${percent(s.resolvedRate)}); report in ${path.join(outDir, "report.md")}`,
  );
  return s.finished === s.instances ? 0 : 2;
}
