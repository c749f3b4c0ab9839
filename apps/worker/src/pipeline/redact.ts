import type { EventData, NewEvent } from "@patchbay/core";
import { type SecretForm, secretForms } from "./secret-forms.js";
import { MIN_WINDOWED, type SecretMatch, SecretScanner } from "./secret-scan.js";

/** What a secret is replaced with in stored events. */
export const REDACTED = "[redacted]";
// Shorter values would mask ordinary words; the API refuses secrets under 8 characters.
const MIN_SECRET_LENGTH = 6;

/**
 * Replaces known secret values in text and JSON values: as they are and in their common
 * encodings (see secret-forms.ts), also when only a long enough piece of one shows.
 */
export class Redactor {
  private readonly forms: SecretForm[];
  private readonly scanner: SecretScanner;
  /** Every character that occurs in some form. */
  private readonly chars = new Set<number>();

  constructor(values: Iterable<string>) {
    // A line of a multi-line secret (an SSH key) printed on its own is a piece of the whole
    // secret's forms, and so caught as one: lines need no forms of their own.
    const byText = new Map<string, SecretForm>();
    for (const v of new Set(values)) {
      if (v.length < MIN_SECRET_LENGTH) continue;
      for (const form of secretForms(v)) if (!byText.has(form.text)) byText.set(form.text, form);
    }
    this.forms = [...byText.values()];
    for (const form of this.forms) for (let i = 0; i < form.text.length; i++) this.chars.add(form.text.charCodeAt(i));
    this.scanner = new SecretScanner(this.forms);
  }

  /** Whether there is anything to redact. */
  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** Where secrets (in any form the redaction knows) occur in the text. */
  find(text: string): SecretMatch[] {
    return this.empty ? [] : this.scanner.scan(text).matches;
  }

  /** Whether the text holds a secret in any form the redaction knows. */
  contains(text: string): boolean {
    return this.find(text).length > 0;
  }

  /** The text with every secret replaced. */
  redact(text: string): string {
    return this.empty ? text : replace(text, this.scanner.scan(text).matches, text.length);
  }

  /**
   * Redacts the part of a stream's text that later text cannot change: `ready` is redacted,
   * `rest` (original text, possibly the start of a secret continued in the next chunk) is to be
   * put in front of the next chunk.
   */
  redactStream(text: string): { ready: string; rest: string } {
    if (this.empty) return { ready: text, rest: "" };
    const { matches, openFrom } = this.scanner.scan(text);
    let cut = Math.min(openFrom, text.length - this.pendingTail(text));
    for (const m of matches) if (m.start < cut && m.end > cut) cut = m.start;
    return { ready: replace(text, matches, cut), rest: text.slice(cut) };
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

  /** Length of the longest short end of `text` that occurs in some form (the scan sees longer ones). */
  private pendingTail(text: string): number {
    // Most chunks end in a line break, which no form holds: nothing to hold back.
    if (text.length === 0 || !this.chars.has(text.charCodeAt(text.length - 1))) return 0;
    for (let len = Math.min(MIN_WINDOWED - 1, text.length); len > 0; len--) {
      const tail = text.slice(text.length - len);
      if (this.forms.some((f) => f.text.includes(tail))) return len;
    }
    return 0;
  }
}

/** `text` up to `limit` with each match replaced by the marker. */
function replace(text: string, matches: readonly SecretMatch[], limit: number): string {
  let out = "";
  let at = 0;
  for (const m of matches) {
    if (m.start >= limit) break;
    out += text.slice(at, m.start) + REDACTED;
    at = m.end;
  }
  return out + text.slice(at, limit);
}

type LogData = EventData["log"];

/**
 * Redacts a job's events on their way to storage. Command output arrives in chunks that may
 * cut a secret in two, so the end of a chunk that could be the start of a secret is held back
 * (unredacted, in memory only) until the stream's next chunk, the next non-log event or a flush
 * decides it.
 */
export class EventRedaction {
  private readonly held = new Map<string, LogData>();

  constructor(private readonly redactor: Redactor) {}

  /** The events to store in place of `event` (possibly none yet, possibly held text first). */
  apply(event: NewEvent): NewEvent[] {
    if (event.type !== "log")
      return [...this.drain(), { ...event, data: this.redactor.redactValue(event.data) } as NewEvent];
    const key = `${event.data.source ?? ""}|${event.data.phase ?? ""}|${event.data.stream}`;
    const { ready, rest } = this.redactor.redactStream((this.held.get(key)?.text ?? "") + event.data.text);
    this.held.delete(key);
    if (rest) this.held.set(key, { ...event.data, text: rest });
    return ready ? [{ type: "log", data: { ...event.data, text: ready } }] : [];
  }

  /** Releases all held text, redacted (it cannot complete a secret any more). */
  drain(): NewEvent[] {
    const out: NewEvent[] = [...this.held.values()].map((data) => ({
      type: "log",
      data: { ...data, text: this.redactor.redact(data.text) },
    }));
    this.held.clear();
    return out;
  }
}
