import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ModelScript } from "./types.js";

// Scripts are written by hand, so only the fields the server cannot invent are required; the
// rest of each item is filled in by items.ts. Unknown item types pass through untouched.
const ShellCallItem = z.looseObject({
  action: z.looseObject({
    commands: z.array(z.string()).min(1),
    timeout_ms: z.number().int().positive().nullable().optional(),
    max_output_length: z.number().int().positive().nullable().optional(),
  }),
});

const ApplyPatchItem = z.looseObject({
  operation: z.discriminatedUnion("type", [
    z.object({ type: z.literal("create_file"), path: z.string().min(1), diff: z.string() }),
    z.object({ type: z.literal("update_file"), path: z.string().min(1), diff: z.string() }),
    z.object({ type: z.literal("delete_file"), path: z.string().min(1) }),
  ]),
});

const MessageItem = z
  .looseObject({
    role: z.literal("assistant").optional(),
    text: z.string().optional(),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  })
  .refine((m) => m.text !== undefined || m.content !== undefined, "a message needs `content` or `text`");

const ITEM_SCHEMAS: Record<string, z.ZodType> = {
  shell_call: ShellCallItem,
  apply_patch_call: ApplyPatchItem,
  message: MessageItem,
  function_call: z.looseObject({
    name: z.string().min(1),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  }),
  custom_tool_call: z.looseObject({ name: z.string().min(1), input: z.string() }),
  local_shell_call: z.looseObject({ action: z.looseObject({ command: z.array(z.string()).min(1) }) }),
  reasoning: z.looseObject({ summary: z.array(z.looseObject({ text: z.string() })).optional() }),
};

const OutputItem = z.looseObject({ type: z.string().min(1) }).superRefine((item, ctx) => {
  const schema = ITEM_SCHEMAS[item.type];
  if (!schema) return;
  const result = schema.safeParse(item);
  if (result.success) return;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: "custom", message: `${item.type}: ${issue.message}`, path: issue.path });
  }
});

const Count = z.number().int().nonnegative();

const UsageSchema = z.strictObject({
  input_tokens: Count.optional(),
  input_tokens_details: z.object({ cached_tokens: Count.optional(), cache_write_tokens: Count.optional() }).optional(),
  output_tokens: Count.optional(),
  output_tokens_details: z.object({ reasoning_tokens: Count.optional() }).optional(),
  total_tokens: Count.optional(),
});

const FaultSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("slow_first_byte"),
    delayMs: z.number().int().positive().max(600_000),
    times: z.number().int().positive().optional(),
  }),
  z.strictObject({
    type: z.literal("drop_stream"),
    afterEvents: z.number().int().nonnegative().optional(),
    times: z.number().int().positive().optional(),
  }),
  z.strictObject({ type: z.literal("malformed_arguments") }),
]);

// Turns and the script itself are strict, so that a typo such as "stauts" is an error, not ignored.
const TurnSchema = z
  .strictObject({
    output: z.array(OutputItem).default([]),
    usage: UsageSchema.optional(),
    status: z.number().int().min(400).max(599).optional(),
    error: z.object({ message: z.string(), type: z.string().optional(), code: z.string().optional() }).optional(),
    failures: z.number().int().positive().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    fault: FaultSchema.optional(),
    note: z.string().optional(),
  })
  .refine((t) => t.status === undefined || t.fault === undefined, "a turn has either `status` or `fault`, not both")
  .refine(
    (t) => t.status !== undefined || (t.error === undefined && t.failures === undefined && t.headers === undefined),
    "`error`, `failures` and `headers` only apply to a turn with `status`",
  );

/** The zod schema of a script file / POST body. */
export const ModelScriptSchema = z.strictObject({ description: z.string().optional(), turns: z.array(TurnSchema) });

/** A script name usable in `script:<name>` and as a file name. */
export const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validates a parsed JSON value as a script; throws an Error listing every problem. */
export function parseScript(value: unknown, source = "script"): ModelScript {
  const result = ModelScriptSchema.safeParse(value);
  if (!result.success) throw new Error(`invalid ${source}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Reads and validates `<dir>/<name>.json`; undefined when the file does not exist. */
export async function readScriptFile(dir: string, name: string): Promise<ModelScript | undefined> {
  if (!SCRIPT_NAME.test(name)) return undefined;
  const file = join(dir, `${name}.json`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseScript(parseJson(text, file), file);
}

/** Loads every `*.json` in dir as a script named after the file; throws on the first bad one. */
export async function loadScriptsDir(dir: string): Promise<Record<string, ModelScript>> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length));
  const scripts: Record<string, ModelScript> = {};
  for (const name of names.filter((n) => SCRIPT_NAME.test(n)).sort()) {
    const script = await readScriptFile(dir, name);
    if (script) scripts[name] = script;
  }
  return scripts;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid ${source}: not JSON (${(error as Error).message})`);
  }
}
