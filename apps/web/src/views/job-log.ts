import type { JobEvent } from "@patchbay/core";
import { json } from "../api.js";
import { h, replace } from "../dom.js";
import { TERMINAL } from "../format.js";

const TYPES = ["status", "log", "model", "tool_call", "tool_result", "check", "error", "network", "environment"];

function clip(text: string, max = 20_000): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

function commandOf(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  const record = input as Record<string, unknown>;
  const cmd = record.commands ?? record.command ?? record.path;
  return Array.isArray(cmd) ? cmd.join(" && ") : typeof cmd === "string" ? cmd : "";
}

/** Renders one event into the log; tool results land in their call's fold. */
function renderEvent(log: HTMLElement, e: JobEvent) {
  const meta = (text: string) => log.append(h("div", { class: "meta" }, text));
  switch (e.type) {
    case "log":
      log.append(h("span", { class: e.data.stream }, e.data.text));
      return;
    case "status":
      return meta(
        `— ${e.data.status}${e.data.phase ? ` · ${e.data.phase}` : ""}${e.data.message ? `: ${e.data.message}` : ""}`,
      );
    case "model": {
      const u = e.data.usage;
      log.append(
        h(
          "details",
          { class: "model" },
          h("summary", {}, `model turn ${e.data.turn} · ${u.inputTokens} in / ${u.outputTokens} out tokens`),
          h("pre", {}, e.data.text ? clip(e.data.text) : `(${e.data.itemTypes.join(", ")})`),
        ),
      );
      return;
    }
    case "tool_call":
      log.append(
        h(
          "details",
          { class: "tool", "data-call": e.data.callId },
          h("summary", {}, `${e.data.tool}: ${clip(commandOf(e.data.input), 200)}`),
          h("pre", {}, clip(JSON.stringify(e.data.input, null, 2))),
        ),
      );
      return;
    case "tool_result": {
      const fold = log.querySelector(`details[data-call="${CSS.escape(e.data.callId)}"]`) ?? log;
      const exit = e.data.exitCode === undefined || e.data.exitCode === null ? "" : ` (exit ${e.data.exitCode})`;
      fold.append(
        h(
          "pre",
          { class: e.data.ok ? null : "stderr" },
          `→ ${e.data.ok ? "ok" : "failed"}${exit}\n${clip(e.data.output)}`,
        ),
      );
      return;
    }
    case "check":
      return meta(
        `check ${e.data.stage} ${e.data.kind}: ${e.data.status ?? (e.data.passed ? "passed" : "failed")} — ${e.data.command}`,
      );
    case "error":
      log.append(h("div", { class: "stderr" }, `error ${e.data.code}: ${e.data.message}`));
      return;
    case "network":
      return meta(
        `network ${e.data.phase}: ${e.data.method ?? "CONNECT"} ${e.data.host}:${e.data.port} ${e.data.allowed ? "allowed" : "refused"}`,
      );
    case "environment":
      return meta(`environment ${e.data.status} (${e.data.ms} ms)`);
  }
}

/**
 * The job's live log over EventSource (opened with a job-scoped stream token): follows new lines
 * until the reader scrolls up, then pauses with a button back to the latest. Calls `onEvent`
 * for every event once, in order.
 */
export function liveLog(jobId: string, signal: AbortSignal, onEvent: (e: JobEvent) => void): HTMLElement {
  const log = h("div", { class: "log", id: "log", tabindex: 0 });
  const state = h("span", { class: "log-status muted", id: "log-state" }, "connecting…");
  const jump = h("button", { id: "follow", hidden: true }, "Paused — jump to latest");
  let follow = true;
  let lastSeq = 0;
  let done = false;
  let source: EventSource | null = null;
  log.addEventListener("scroll", () => {
    follow = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    jump.hidden = follow;
  });
  jump.addEventListener("click", () => {
    follow = true;
    jump.hidden = true;
    log.scrollTop = log.scrollHeight;
  });

  const handle = (e: JobEvent) => {
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    renderEvent(log, e);
    if (follow) log.scrollTop = log.scrollHeight;
    if (e.type === "status" && TERMINAL.includes(e.data.status)) {
      done = true;
      source?.close();
      replace(state, `finished (${e.seq} events)`);
    }
    onEvent(e);
  };

  const open = async (): Promise<void> => {
    if (done || signal.aborted) return;
    try {
      const { token } = await json<{ token: string }>(`/v1/jobs/${jobId}/stream-token`, { method: "POST" });
      const es = new EventSource(`/v1/jobs/${jobId}/events?token=${encodeURIComponent(token)}&after=${lastSeq}`);
      source = es;
      for (const type of TYPES) es.addEventListener(type, (m) => handle(JSON.parse((m as MessageEvent).data)));
      es.onopen = () => !done && replace(state, "● live");
      // A refused reconnect (the 5-minute token expired) closes the source: mint a new token.
      es.onerror = () => {
        if (done) return;
        replace(state, "reconnecting…");
        if (es.readyState === EventSource.CLOSED) setTimeout(open, 1000);
      };
    } catch (err) {
      replace(state, `stream unavailable (${(err as Error).message}); retrying`);
      setTimeout(open, 3000);
    }
  };
  signal.addEventListener("abort", () => source?.close());
  void open();
  return h("div", {}, h("div", { class: "toolbar" }, state, jump), log);
}
