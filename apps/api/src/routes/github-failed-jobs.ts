import { z } from "zod";

/** The project secret with a GitHub token that may read Actions runs (`actions: read`). */
export const GITHUB_TOKEN_SECRET = "GITHUB_TOKEN";
const TIMEOUT_MS = 5000;

/** A failed job of a workflow run, with the steps that failed in it. */
export interface FailedJob {
  name: string;
  failedSteps: string[];
  url?: string;
}

const JobsPage = z.object({
  jobs: z.array(
    z.object({
      name: z.string(),
      conclusion: z.string().nullable(),
      html_url: z.string().nullable().optional(),
      steps: z.array(z.object({ name: z.string(), conclusion: z.string().nullable() })).optional(),
    }),
  ),
});

/**
 * The failed jobs of a workflow run, read from the run's `jobs_url` with the project's token.
 * The token goes only to the configured GitHub API (`apiUrl`), never to wherever a payload points.
 */
export async function fetchFailedJobs(
  jobsUrl: string,
  token: string,
  apiUrl: string,
): Promise<{ jobs: FailedJob[] } | { error: string }> {
  const url = new URL(jobsUrl);
  if (url.origin !== new URL(apiUrl).origin) return { error: `jobs_url is not on ${new URL(apiUrl).origin}` };
  url.searchParams.set("filter", "latest");
  url.searchParams.set("per_page", "100");
  try {
    const res = await fetch(url, {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${token}`,
        "x-github-api-version": "2022-11-28",
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) return { error: `GitHub answered ${res.status} for the run's jobs` };
    const page = JobsPage.safeParse(await res.json());
    if (!page.success) return { error: "GitHub's list of the run's jobs was not in the documented shape" };
    return {
      jobs: page.data.jobs
        .filter((j) => j.conclusion === "failure" || j.conclusion === "timed_out")
        .map((j) => ({
          name: j.name,
          failedSteps: (j.steps ?? []).filter((s) => s.conclusion === "failure").map((s) => s.name),
          ...(j.html_url ? { url: j.html_url } : {}),
        })),
    };
  } catch (err) {
    return { error: `the run's jobs could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The sentence a job's task gets about the failed jobs (or why they are not named). */
export function describeFailedJobs(found: { jobs: FailedJob[] } | { error: string } | null): string {
  if (found === null) return `(Set the project secret ${GITHUB_TOKEN_SECRET} to have the failed jobs named here.)`;
  if ("error" in found) return `(The failed jobs could not be listed: ${found.error}.)`;
  if (found.jobs.length === 0) return "(GitHub lists no failed job in this run.)";
  const named = found.jobs.map((j) =>
    j.failedSteps.length > 0
      ? `"${j.name}" (failed steps: ${j.failedSteps.map((s) => `"${s}"`).join(", ")})`
      : `"${j.name}"`,
  );
  return `Failed jobs: ${named.join("; ")}.`;
}
