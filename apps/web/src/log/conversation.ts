import type { JobEvent } from "@patchbay/core";
import { h } from "../dom.js";
import { commandOf } from "./lines.js";

const CLIP = 20_000;

function clip(text: string): string {
  return text.length > CLIP ? `${text.slice(0, CLIP)}\n… (${text.length - CLIP} more characters)` : text;
}

/**
 * The model's side of the job: each turn with its text, its tool calls folded with their results
 * inside, and the steering messages people sent, in the order they happened.
 */
export class Conversation {
  readonly el: HTMLElement;
  private turn: HTMLElement | null = null;
  private readonly calls = new Map<string, HTMLElement>();
  private readonly messages = new Map<string, HTMLElement>();

  constructor() {
    this.el = h(
      "div",
      { class: "conversation", id: "conversation" },
      h("p", { class: "muted", id: "no-turns" }, "The model's turns appear here once the agent starts."),
    );
  }

  /** Takes one event; those of other types are ignored. */
  add(e: JobEvent): void {
    if (e.type === "model") this.addTurn(e);
    else if (e.type === "tool_call") this.addCall(e);
    else if (e.type === "tool_result") this.addResult(e);
    else if (e.type === "user_message") this.addMessage(e);
  }

  private place(el: HTMLElement): void {
    this.el.querySelector("#no-turns")?.remove();
    this.el.append(el);
  }

  private addTurn(e: Extract<JobEvent, { type: "model" }>): void {
    const u = e.data.usage;
    this.turn = h(
      "div",
      { class: "turn", "data-turn": e.data.turn },
      h(
        "div",
        { class: "turn-head" },
        h("b", {}, `Turn ${e.data.turn}`),
        h("span", { class: "muted" }, ` · ${u.inputTokens} in / ${u.outputTokens} out tokens`),
      ),
      e.data.text
        ? h("div", { class: "turn-text" }, clip(e.data.text))
        : h("div", { class: "muted" }, `(${e.data.itemTypes.join(", ") || "no output"})`),
    );
    this.place(this.turn);
  }

  private addCall(e: Extract<JobEvent, { type: "tool_call" }>): void {
    const call = h(
      "details",
      { class: "tool", "data-call": e.data.callId, "data-tool": e.data.tool },
      h("summary", {}, h("b", {}, e.data.tool), ` ${commandOf(e.data.input).slice(0, 200)}`),
      h("pre", { class: "tool-input" }, clip(JSON.stringify(e.data.input, null, 2))),
    );
    this.calls.set(e.data.callId, call);
    if (this.turn) this.turn.append(call);
    else this.place(call);
  }

  private addResult(e: Extract<JobEvent, { type: "tool_result" }>): void {
    const call = this.calls.get(e.data.callId);
    const exit = e.data.exitCode === undefined || e.data.exitCode === null ? "" : ` (exit ${e.data.exitCode})`;
    const result = h(
      "pre",
      { class: `tool-result ${e.data.ok ? "ok" : "failed"}` },
      `→ ${e.data.ok ? "ok" : "failed"}${exit}\n${clip(e.data.output)}`,
    );
    if (!call) {
      this.place(result);
      return;
    }
    call.append(result);
    call.querySelector("summary")?.append(h("span", { class: e.data.ok ? "ok" : "failed" }, e.data.ok ? " ✓" : " ✗"));
  }

  private addMessage(e: Extract<JobEvent, { type: "user_message" }>): void {
    const known = this.messages.get(e.data.messageId);
    const state = e.data.delivered ? "delivered to the model" : "waiting for the model's next turn";
    if (known) {
      known.querySelector(".state")!.textContent = state;
      return;
    }
    const msg = h(
      "div",
      { class: "user-message", "data-message": e.data.messageId },
      h("b", {}, "You: "),
      e.data.text,
      h("span", { class: "muted state" }, state),
    );
    this.messages.set(e.data.messageId, msg);
    this.place(msg);
  }
}
