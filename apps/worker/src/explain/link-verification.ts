import type { CheckRun, JobEvent, VerificationLink } from "@patchbay/core";

/** A claim as the model made it: what it says, and the check or command it says showed it. */
export interface VerificationClaim {
  claim: string;
  evidence: { kind: "check"; name: string } | { kind: "command"; command: string };
}

/** A shell command the agent ran in this job, with the event holding its outcome. */
export interface CommandRun {
  command: string;
  eventSeq: number;
  exitCode: number | null;
}

const normal = (text: string) => text.trim().replace(/\s+/g, " ");

/**
 * Ties each claim to what the job actually ran: a check by kind ("test", "lint") or command
 * among the after-checks (which judge the stored patch), a command by its text among the
 * agent's shell commands (the last run of it). A claim whose evidence the job never ran is
 * dropped and named in `notes`; one whose evidence failed is kept and noted, so nobody reads
 * a failing check as proof.
 */
export function linkVerification(
  claims: VerificationClaim[],
  ran: { after: CheckRun[]; commands: CommandRun[] },
): { verification: VerificationLink[]; notes: string[] } {
  const verification: VerificationLink[] = [];
  const notes: string[] = [];
  for (const { claim, evidence } of claims) {
    if (evidence.kind === "check") {
      const name = normal(evidence.name);
      const run = ran.after.find((r) => r.kind === name || normal(r.command) === name);
      if (!run) {
        notes.push(`dropped "${claim}": no check "${evidence.name}" ran after the change`);
        continue;
      }
      verification.push({
        claim,
        evidence: { kind: "check", name: run.kind, command: run.command, passed: run.passed },
      });
      if (!run.passed) notes.push(`"${claim}": the ${run.kind} check (${run.command}) failed after the change`);
      continue;
    }
    const command = normal(evidence.command);
    const run = ran.commands.findLast((c) => normal(c.command) === command);
    if (!run) {
      notes.push(`dropped "${claim}": the agent never ran \`${evidence.command}\``);
      continue;
    }
    verification.push({ claim, evidence: { kind: "command", command: run.command, ...pick(run) } });
    if (run.exitCode !== 0) notes.push(`"${claim}": \`${run.command}\` exited ${run.exitCode}`);
  }
  return { verification, notes };
}

const pick = (run: CommandRun) => ({ eventSeq: run.eventSeq, exitCode: run.exitCode });

/** The shell commands of a job's events: each command of a tool_call, with its tool_result's seq and exit code. */
export function commandRuns(events: JobEvent[]): CommandRun[] {
  const calls = new Map<string, string[]>();
  const runs: CommandRun[] = [];
  for (const event of events) {
    if (event.type === "tool_call" && event.data.tool === "shell")
      calls.set(event.data.callId, commandsOf(event.data.input));
    if (event.type !== "tool_result" || event.data.tool !== "shell") continue;
    for (const command of calls.get(event.data.callId) ?? [])
      runs.push({ command, eventSeq: event.seq, exitCode: event.data.exitCode ?? null });
  }
  return runs;
}

/** The commands of a shell call's input: a Responses action (`commands`) or a function call's JSON arguments. */
function commandsOf(input: unknown): string[] {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return [];
    }
  }
  if (!value || typeof value !== "object") return [];
  const { commands, command } = value as { commands?: unknown; command?: unknown };
  const list = commands ?? command;
  if (typeof list === "string") return [list];
  if (Array.isArray(list) && list.every((c) => typeof c === "string")) {
    // A function call's argv form (["bash", "-lc", "script"]) is one command.
    return command !== undefined && list.length === 3 && /^-l?c$/.test(list[1] ?? "") ? [list[2] ?? ""] : list;
  }
  return [];
}
