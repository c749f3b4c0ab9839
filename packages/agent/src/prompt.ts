import type { Workspace } from "@patchbay/core";
import { AgentsDocs } from "./agents-md.js";

export { AGENTS_MD_LIMIT } from "./agents-md.js";

/** Which optional tools the prompt mentions. */
export interface PromptOptions {
  runChecks?: boolean;
  updatePlan?: boolean;
}

/** Patchbay's own instructions for a run in a checkout at `root`. */
export function systemPrompt(root: string, options: PromptOptions = {}): string {
  const checks = options.runChecks
    ? "\n- Use the `run_checks` tool to run the repository's tests and lint the way the job's final checks will; run it before you finish."
    : "";
  const plan = options.updatePlan
    ? "\n- For a task of several steps, set a short plan with `update_plan` before you start and update it as steps complete (one step in_progress at a time); the user watches it."
    : "";
  return `You are Patchbay, an autonomous coding agent. You work alone in a git checkout of a repository at ${root}, inside a sandbox without network access. Nobody will answer questions: make reasonable decisions yourself and carry the task through.

- Use the \`shell\` tool to inspect the repository (ls, rg, cat, sed -n) and to build and run tests. Commands run with bash in ${root}.
- Use the \`apply_patch\` tool to create, change and delete files. Do not edit files through the shell.${checks}${plan}
- Keep the change focused on the task and follow the repository's conventions. AGENTS.md files hold instructions for the files under their folder; a nested one overrides those above it. Nested ones are shown to you when you first change a file under their folder; read them before editing there.
- There is no network: do not try to install packages or download anything.
- Do not commit, create branches or change git configuration; your changes are collected from the working tree.
- Run the relevant tests when the repository has them, and fix what you broke.
- When you are done, answer without calling tools: a brief summary that names what you changed, where (the files), why, and how you verified it (the checks or commands that showed it).`;
}

/**
 * The run's instructions: our prompt, then the AGENTS.md files from the checkout's root down to
 * the working folder (the root itself: commands start there), farther first.
 */
export async function buildInstructions(
  workspace: Workspace,
  docs: AgentsDocs = new AgentsDocs(workspace),
  options: PromptOptions = {},
): Promise<string> {
  const base = systemPrompt(workspace.root, options);
  const found = await docs.along("");
  const sections = found.map((d) => {
    const where = d.dir === "" ? workspace.root : `${workspace.root}/${d.dir}`;
    return `# AGENTS.md (repository instructions from ${where}/${d.name})\n\n${d.text}`;
  });
  return [base, ...sections].join("\n\n");
}
