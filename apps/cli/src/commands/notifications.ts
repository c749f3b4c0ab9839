import { type ApiClient, CliError } from "../api-client.js";
import type { Out } from "./jobs.js";

interface Delivery {
  deliveryId: string;
  url: string;
  state: string;
  attempts: Array<{ attempt: number; trigger: string; at: string; statusCode: number | null; error: string | null }>;
}

/**
 * `patchbay notifications <job-id>` (the job's notification deliveries, each attempt) and
 * `patchbay notifications <job-id> redeliver <delivery-id>` (one more attempt, same delivery id).
 */
export async function notificationsCommand(api: ApiClient, args: readonly string[], out: Out): Promise<number> {
  const [jobId, action, deliveryId] = args;
  if (!jobId) throw new CliError("usage: patchbay notifications <job-id> [redeliver <delivery-id>]");
  const base = `/v1/jobs/${encodeURIComponent(jobId)}/notifications`;
  if (action === "redeliver") {
    if (!deliveryId)
      throw new CliError("notifications redeliver needs a delivery id (see patchbay notifications <job-id>)");
    const queued = await api.send("POST", `${base}/${encodeURIComponent(deliveryId)}/redeliver`);
    out.print(out.json ? JSON.stringify(queued) : `delivery ${deliveryId} queued again`);
    return 0;
  }
  if (action !== undefined) throw new CliError(`unknown notifications action ${action} (redeliver)`);
  const { data } = (await api.send("GET", base)) as { data: Delivery[] };
  if (out.json) {
    out.print(JSON.stringify({ data, nextCursor: null }));
    return 0;
  }
  if (data.length === 0) out.print("no notifications (the job has no notify.url, or has not finished)");
  for (const d of data) {
    out.print(`${d.deliveryId}  ${d.state}  ${d.url}`);
    for (const a of d.attempts) {
      out.print(`  #${a.attempt} ${a.at} ${a.trigger.padEnd(9)} ${a.statusCode ?? "-"} ${a.error ?? ""}`.trimEnd());
    }
  }
  return 0;
}
