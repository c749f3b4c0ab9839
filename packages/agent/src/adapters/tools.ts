import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions";
import type { FunctionTool, Tool } from "openai/resources/responses/responses";

/** The built-in tools a Responses model gets: commands are run by us, in the job's workspace. */
export const RESPONSES_TOOLS: Tool[] = [{ type: "shell" }, { type: "apply_patch" }];

/** `run_checks`: offered only when the run can run the job's checks. */
export const RUN_CHECKS_TOOL: FunctionTool = {
  type: "function",
  name: "run_checks",
  description:
    "Runs the repository's test and lint commands exactly as the job's final checks will, and returns a short JSON result: per command whether it passed, the exit code, test counts, failing test names and the end of the output. Use it before you finish.",
  parameters: { type: "object", properties: {}, required: [], additionalProperties: false },
  strict: true,
};

const SHELL_FUNCTION: FunctionTool = {
  type: "function",
  name: "shell",
  description:
    "Runs a bash script in the repository checkout (no network) and returns its exit code and output, head and tail kept when long.",
  parameters: {
    type: "object",
    properties: {
      command: { type: "string", description: "The bash script to run, e.g. `rg -n total src`." },
      workdir: { type: "string", description: "Folder to run in, relative to the checkout; default the checkout." },
      timeout_ms: { type: "number", description: "Time limit in milliseconds." },
    },
    required: ["command"],
    additionalProperties: false,
  },
  strict: false,
};

const APPLY_PATCH_FUNCTION: FunctionTool = {
  type: "function",
  name: "apply_patch",
  description: `Creates, changes, moves and deletes files. The input is one patch in this format:
*** Begin Patch
*** Add File: path/new.txt
+every line of the new file, prefixed with +
*** Update File: path/old.txt
*** Move to: path/renamed.txt   (optional)
@@ an optional line (e.g. a function signature) above the change
 unchanged context line (3 before and after)
-removed line
+added line
*** Delete File: path/gone.txt
*** End Patch
Paths are relative to the checkout. Context lines must match the file.`,
  parameters: {
    type: "object",
    properties: { input: { type: "string", description: "The whole patch, *** Begin Patch to *** End Patch." } },
    required: ["input"],
    additionalProperties: false,
  },
  strict: false,
};

/** The tools a Chat Completions model gets: shell and apply_patch as functions, plus extras. */
export function chatTools(functionTools: FunctionTool[]): ChatCompletionFunctionTool[] {
  return [SHELL_FUNCTION, APPLY_PATCH_FUNCTION, ...functionTools].map((tool) => ({
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.parameters ?? {},
      strict: tool.strict ?? false,
    },
  }));
}
