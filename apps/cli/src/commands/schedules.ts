import { type ApiClient, CliError } from "../api-client.js";
import type { Out } from "./jobs.js";
import { type SubmitFlags, specFromFlags } from "./submit.js";

interface ScheduleView {
  id: string;
  name: string | null;
  cron: string | null;
  everyMs: number | null;
  paused: boolean;
  runs: number;
  nextRunAt: string | null;
  lastJobId: string | null;
}

/** Flags of `patchbay schedules create`: the timing plus every submit flag. */
export interface ScheduleFlags extends SubmitFlags {
  cron?: string;
  every?: string;
  name?: string;
  timezone?: string;
}

const line = (s: ScheduleView) =>
  [
    s.id,
    s.paused ? "paused " : "active ",
    s.cron ? `cron "${s.cron}"` : `every ${(s.everyMs ?? 0) / 1000}s`,
    `runs ${s.runs}`,
    `next ${s.nextRunAt ?? "-"}`,
    s.name ?? "",
  ].join("  ");

/** `patchbay schedules create|list|pause|resume|delete`. */
export async function schedulesCommand(
  api: ApiClient,
  action: string | undefined,
  id: string | undefined,
  flags: ScheduleFlags,
  out: Out,
): Promise<number> {
  const show = (s: ScheduleView) => out.print(out.json ? JSON.stringify(s) : line(s));
  const needId = () => {
    if (!id) throw new CliError(`schedules ${action} needs a schedule id (see \`patchbay schedules list\`)`);
    return encodeURIComponent(id);
  };
  switch (action) {
    case "create": {
      if (!flags.cron === !flags.every) throw new CliError("give --cron EXPR or --every SECONDS (one of them)");
      const body = {
        spec: specFromFlags(flags),
        ...(flags.cron ? { cron: flags.cron } : { everyMs: Math.round(Number(flags.every) * 1000) }),
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.timezone ? { timezone: flags.timezone } : {}),
      };
      show((await api.send("POST", "/v1/schedules", body)) as ScheduleView);
      return 0;
    }
    case "list": {
      const { data } = (await api.send("GET", "/v1/schedules")) as { data: ScheduleView[] };
      // The shape of every list answer (`list --json`): {data, nextCursor}; schedules come in one page.
      if (out.json) out.print(JSON.stringify({ data, nextCursor: null }));
      else for (const s of data) show(s);
      return 0;
    }
    case "pause":
    case "resume":
      show((await api.send("POST", `/v1/schedules/${needId()}/${action}`)) as ScheduleView);
      return 0;
    case "delete":
      await api.send("DELETE", `/v1/schedules/${needId()}`);
      if (out.json) out.print(JSON.stringify({ id, deleted: true }));
      return 0;
    default:
      throw new CliError(
        "usage: patchbay schedules create (--cron EXPR | --every SEC) --task … | list | pause ID | resume ID | delete ID",
      );
  }
}
