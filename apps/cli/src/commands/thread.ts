import { type ApiClient, CliError, type JobView } from "../api-client.js";
import type { Out } from "./jobs.js";

/** The text argument of `say` / `follow-up`: every word after the id. */
export function requireText(command: string, words: string[]): string {
  const text = words.join(" ").trim();
  if (!text) throw new CliError(`usage: patchbay ${command} <job-id> "<text>"`);
  return text;
}

/** `patchbay say <id> "…"`: a steering message for a running job; prints its id. */
export async function sayToJob(api: ApiClient, id: string, text: string, out: Out): Promise<number> {
  const answer = (await api.send("POST", `/v1/jobs/${encodeURIComponent(id)}/messages`, { text })) as {
    messageId: string;
  };
  out.print(
    out.json
      ? JSON.stringify(answer)
      : `message ${answer.messageId} sent to job ${id}; the model gets it before its next call`,
  );
  return 0;
}

/** `patchbay follow-up <id> "…"`: a new job continuing a finished one; returns the new job. */
export async function followUpJob(api: ApiClient, id: string, task: string, model?: string): Promise<JobView> {
  const body = { task, ...(model ? { model } : {}) };
  return (await api.send("POST", `/v1/jobs/${encodeURIComponent(id)}/follow-ups`, body)) as JobView;
}
