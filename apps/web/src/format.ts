/** "3 s", "4 min", "2 h", "5 d". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ""}`.trim();
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d`;
}

/** How long ago an ISO time was. */
export function age(iso: string, now = Date.now()): string {
  return `${span(now - Date.parse(iso))} ago`;
}

/** Run time: start to finish, or to now while running; "—" before it started. */
export function duration(startedAt: string | null, finishedAt: string | null, now = Date.now()): string {
  if (!startedAt) return "—";
  return span((finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt));
}

/** "$0.0123", or "—" when unknown. */
export function cost(usd: number | null | undefined): string {
  return usd === null || usd === undefined ? "—" : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** The first line of a text, cut to `max` characters. */
export function excerpt(text: string, max = 90): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A repository URL's last path segments ("team/repo"). */
export function repoName(url: string): string {
  const clean = url.replace(/\.git$/, "").replace(/\/+$/, "");
  return clean.split(/[/:]/).slice(-2).join("/");
}

export const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "error"];
export const STATUSES = ["queued", "running", ...TERMINAL];
export const PHASES = ["provision", "setup", "baseline", "agent", "checks", "finalize"] as const;
