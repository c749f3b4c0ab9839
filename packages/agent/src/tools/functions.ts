import { PatchbayError } from "@patchbay/core";
import type { ResponseFunctionToolCall } from "openai/resources/responses/responses";
import { z } from "zod";
import { applyPatchText, formatPatchResult } from "../patch/apply.js";
import { PatchError } from "../patch/types.js";
import { truncateMiddle } from "../truncate.js";
import { dirsOf } from "./apply-patch.js";
import type { ToolContext, ToolRun } from "./context.js";
import { runSearchDocs } from "./search-docs.js";
import { runCommand } from "./shell.js";
import { runUpdatePlan } from "./update-plan.js";

const ShellArgs = z.object({
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  workdir: z.string().min(1).optional(),
  timeout_ms: z.number().int().positive().optional(),
});
const PatchArgs = z.object({ input: z.string().min(1) });

/** Function tools Patchbay runs; `run_checks`, `search_docs` and `update_plan` only when the run offers them. */
export function functionToolNames(ctx: ToolContext): string[] {
  return [
    "shell",
    "apply_patch",
    ...(ctx.runChecks ? ["run_checks"] : []),
    ...(ctx.searchDocs ? ["search_docs"] : []),
    ...(ctx.updatePlan ? ["update_plan"] : []),
    ...(ctx.functions ?? []).map((f) => f.definition.name),
  ];
}

/** Runs a function_call of ours; arguments that do not parse go back to the model as an error. */
export async function runFunctionCall(call: ResponseFunctionToolCall, ctx: ToolContext): Promise<ToolRun> {
  const reply = (output: string, ok: boolean, extra: Partial<ToolRun> = {}): ToolRun => {
    const text = truncateMiddle(output, ctx.outputLimit);
    return { item: { type: "function_call_output", call_id: call.call_id, output: text }, ok, output: text, ...extra };
  };
  if (!functionToolNames(ctx).includes(call.name)) {
    return reply(`Tool '${call.name}' does not exist. Available tools: ${functionToolNames(ctx).join(", ")}.`, false);
  }
  if (call.name === "run_checks" && ctx.runChecks) return runChecksFunction(ctx.runChecks, reply);
  if (call.name === "search_docs" && ctx.searchDocs) {
    const { output, ok } = await runSearchDocs(call.arguments, ctx.searchDocs);
    return reply(output, ok);
  }
  if (call.name === "update_plan") {
    const { output, ok } = runUpdatePlan(call.arguments, ctx);
    return reply(output, ok, ok ? {} : { malformed: true });
  }
  const own = ctx.functions?.find((f) => f.definition.name === call.name);
  if (own) {
    const { output, ok, malformed } = await own.run(call.arguments);
    return reply(output, ok, malformed ? { malformed: true } : {});
  }
  if (call.name === "shell") {
    const args = parseArguments(call.arguments, ShellArgs);
    if (typeof args !== "string") return runShellFunction(args, ctx, reply);
    return malformed(call.name, args, '{"command": "<bash script>"}', reply);
  }
  const args = parseArguments(call.arguments, PatchArgs);
  if (typeof args !== "string") return runPatchFunction(args.input, ctx, reply);
  return malformed(call.name, args, '{"input": "*** Begin Patch\\n…"}', reply);
}

function malformed(tool: string, why: string, expected: string, reply: Reply): ToolRun {
  return reply(`Could not run ${tool}: ${why}. Send arguments like ${expected}.`, false, { malformed: true });
}

async function runChecksFunction(run: () => Promise<string>, reply: Reply): Promise<ToolRun> {
  try {
    return reply(await run(), true);
  } catch (err) {
    if (err instanceof PatchbayError) throw err;
    return reply(`run_checks failed: ${err instanceof Error ? err.message : String(err)}`, false);
  }
}

/** A function call's arguments (JSON) parsed by `schema`, or why they could not be parsed. */
export function parseArguments<T>(text: string, schema: z.ZodType<T>): T | string {
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    return `the arguments are not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  const parsed = schema.safeParse(value);
  return parsed.success
    ? parsed.data
    : `the arguments do not fit (${z.prettifyError(parsed.error).replaceAll("\n", " ")})`;
}

type Reply = (output: string, ok: boolean, extra?: Partial<ToolRun>) => ToolRun;

async function runShellFunction(args: z.output<typeof ShellArgs>, ctx: ToolContext, reply: Reply): Promise<ToolRun> {
  const script = typeof args.command === "string" ? args.command : argvToScript(args.command);
  const run = await runCommand(script, args.timeout_ms ?? ctx.commandTimeoutMs, ctx.outputLimit, ctx, args.workdir);
  return reply(run.transcript, run.exitCode === 0, {
    exitCode: run.exitCode,
    ...(args.workdir === undefined ? {} : { touchedDirs: [args.workdir] }),
  });
}

async function runPatchFunction(patch: string, ctx: ToolContext, reply: Reply): Promise<ToolRun> {
  try {
    const result = await applyPatchText(ctx.workspace, patch);
    return reply(formatPatchResult(result), true, { touchedDirs: dirsOf(result) });
  } catch (err) {
    if (err instanceof PatchError) return reply(err.message, false);
    return reply(`Failed to apply the patch: ${err instanceof Error ? err.message : String(err)}`, false);
  }
}

/** Codex-style argv (`["bash", "-lc", "script"]`, or plain words) as one bash script. */
function argvToScript(argv: string[]): string {
  if (argv.length === 3 && /^(ba)?sh$/.test(argv[0] ?? "") && /^-l?c$/.test(argv[1] ?? "")) return argv[2] ?? "";
  return argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(" ");
}
