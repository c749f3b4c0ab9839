import type { EventData, NewEvent } from "@patchbay/core";

/** What a secret is replaced with in stored events. */
export const REDACTED = "[redacted]";
// Shorter values would mask ordinary words; the API refuses secrets under 8 characters.
const MIN_SECRET_LENGTH = 6;
const MIN_LINE_LENGTH = 16;

/** Replaces known secret values in text and JSON values. */
export class Redactor {
  private readonly secrets: string[];

  constructor(values: Iterable<string>) {
    const all = new Set<string>();
    for (const v of values) {
      if (v.length >= MIN_SECRET_LENGTH) all.add(v);
      // A multi-line secret (an SSH key) is often printed line by line.
      for (const line of v.split(/\r?\n/)) if (line.trim().length >= MIN_LINE_LENGTH) all.add(line.trim());
    }
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** Whether there is anything to redact. */
  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /** The text with every secret replaced. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** A copy of a JSON value with every string (and key) redacted. */
  redactValue<T>(value: T): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactValue(v)) as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.redactValue(v)])) as T;
    }
    return value;
  }

  /** Length of the longest end of `text` that is the start of a secret (may continue in the next chunk). */
  pendingPrefixLength(text: string): number {
    let best = 0;
    for (const s of this.secrets) {
      // Candidate starts: where the secret's first character occurs in the text's last len-1 characters.
      let i = text.indexOf(s[0]!, Math.max(0, text.length - s.length + 1));
      while (i >= 0 && text.length - i > best) {
        if (s.startsWith(text.slice(i))) {
          best = text.length - i;
          break;
        }
        i = text.indexOf(s[0]!, i + 1);
      }
    }
    return best;
  }
}

type LogData = EventData["log"];

/**
 * Redacts a job's events on their way to storage. Command output arrives in chunks that may
 * cut a secret in two, so the end of a chunk that could be the start of a secret is held back
 * until the stream's next chunk (or the next non-log event, or a flush) decides it.
 */
export class EventRedaction {
  private readonly held = new Map<string, LogData>();

  constructor(private readonly redactor: Redactor) {}

  /** The events to store in place of `event` (possibly none yet, possibly held text first). */
  apply(event: NewEvent): NewEvent[] {
    if (event.type !== "log")
      return [...this.drain(), { ...event, data: this.redactor.redactValue(event.data) } as NewEvent];
    const key = `${event.data.source ?? ""}|${event.data.phase ?? ""}|${event.data.stream}`;
    const text = this.redactor.redact((this.held.get(key)?.text ?? "") + event.data.text);
    this.held.delete(key);
    const hold = this.redactor.pendingPrefixLength(text);
    if (hold > 0) this.held.set(key, { ...event.data, text: text.slice(text.length - hold) });
    const ready = text.slice(0, text.length - hold);
    return ready ? [{ type: "log", data: { ...event.data, text: ready } }] : [];
  }

  /** Releases all held text (it cannot complete a secret any more). */
  drain(): NewEvent[] {
    const out: NewEvent[] = [...this.held.values()].map((data) => ({ type: "log", data }));
    this.held.clear();
    return out;
  }
}
