import type { Workspace } from "@patchbay/core";

/** Bytes of the repository's AGENTS.md included in the instructions. */
export const AGENTS_MD_LIMIT = 32 * 1024;

/** Patchbay's own instructions for a run in a checkout at `root`. */
export function systemPrompt(root: string): string {
  return `You are Patchbay, an autonomous coding agent. You work alone in a git checkout of a repository at ${root}, inside a sandbox without network access. Nobody will answer questions: make reasonable decisions yourself and carry the task through.

- Use the \`shell\` tool to inspect the repository (ls, rg, cat, sed -n) and to build and run tests. Commands run with bash in ${root}.
- Use the \`apply_patch\` tool to create, change and delete files. Do not edit files through the shell.
- Keep the change focused on the task and follow the repository's conventions. AGENTS.md files in subfolders hold instructions for the files under them: read them before editing there.
- There is no network: do not try to install packages or download anything.
- Do not commit, create branches or change git configuration; your changes are collected from the working tree.
- Run the relevant tests when the repository has them, and fix what you broke.
- When you are done, answer without calling tools: a brief summary of what you changed and why.`;
}

/** The run's instructions: our prompt, then the repository's root AGENTS.md when there is one. */
export async function buildInstructions(workspace: Workspace): Promise<string> {
  const agentsMd = await readAgentsMd(workspace);
  const base = systemPrompt(workspace.root);
  if (agentsMd === null) return base;
  return `${base}\n\n# AGENTS.md (repository instructions from ${workspace.root}/AGENTS.md)\n\n${agentsMd}`;
}

async function readAgentsMd(workspace: Workspace): Promise<string | null> {
  // A folder or unreadable file named AGENTS.md is no reason to fail the job.
  const content = await workspace.readFile("AGENTS.md").catch(() => null);
  if (content === null || content.length === 0) return null;
  if (content.length <= AGENTS_MD_LIMIT) return content.toString("utf8");
  const kept = content.subarray(0, AGENTS_MD_LIMIT).toString("utf8");
  return `${kept}\n\n[AGENTS.md truncated: ${content.length - AGENTS_MD_LIMIT} more bytes in the file]`;
}
