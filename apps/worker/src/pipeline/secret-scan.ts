import type { SecretForm } from "./secret-forms.js";

/** Characters hashed per window: short, so that few positions need a probe (see the stride). */
export const WINDOW = 4;
// Shorter forms (of short secrets) are found with indexOf: windowing them would shrink the
// stride between probes and make the scan several times slower.
export const MIN_WINDOWED = 12;
const BASE = 0x9e3779b1 | 0;
const FILTER_BITS = 22;

/** A stretch of text that is (part of) a secret's form: [start, end). */
export interface SecretMatch {
  start: number;
  end: number;
}

/** What one scan found: the stretches to redact, and where a match still open at the end begins. */
export interface ScanResult {
  matches: SecretMatch[];
  /** Start of the earliest run of form characters that reaches the end of the text unfinished. */
  openFrom: number;
}

const SPACE = /\s/;
const mix = (h: number) => Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> (32 - FILTER_BITS);

/**
 * Finds every form of every secret in a text in one pass. Every match is at least 12
 * characters long, so a 4-character window hashed every 9 characters lands inside each one; a
 * bit filter sits in front of the exact table, and each hit is grown to the longest stretch that
 * agrees with the form. A hit counts when it covers the whole form or at least the form's minimum
 * fragment (so a secret cut in two or line-wrapped base64 is still caught).
 */
export class SecretScanner {
  private readonly filter = new Uint32Array(1 << (FILTER_BITS - 5));
  private readonly table = new Map<number, number[]>();
  /** Forms shorter than MIN_WINDOWED: found with indexOf, whole only. */
  private readonly short: string[] = [];
  /** The shortest stretch that can count as a match. */
  private readonly minMatch: number;
  private readonly stride: number;

  constructor(private readonly forms: readonly SecretForm[]) {
    let minMatch = Number.POSITIVE_INFINITY;
    forms.forEach((form, f) => {
      if (form.text.length < MIN_WINDOWED) {
        this.short.push(form.text);
        return;
      }
      minMatch = Math.min(minMatch, form.text.length, form.minFragment);
      for (let o = 0; o + WINDOW <= form.text.length; o++) {
        const h = hashAt(form.text, o);
        const bit = mix(h);
        this.filter[bit >>> 5]! |= 1 << (bit & 31);
        const list = this.table.get(h);
        if (list) list.push(f, o);
        else this.table.set(h, [f, o]);
      }
    });
    this.minMatch = Number.isFinite(minMatch) ? minMatch : WINDOW;
    this.stride = this.minMatch - WINDOW + 1;
  }

  /** Every match in `text`, merged and in order. */
  scan(text: string): ScanResult {
    const state = { found: [] as SecretMatch[], openFrom: text.length, covered: 0 };
    const last = text.length - WINDOW;
    // Every match is at least `minMatch` long, so it holds a whole window at a multiple of the stride.
    for (let p = 0; p <= last; p += this.stride) this.probe(text, p, state);
    // A shorter run at the very end may be a secret's start that the next chunk completes.
    for (let p = Math.max(0, text.length - this.minMatch + 1); p <= last; p++) this.probe(text, p, state);
    for (const s of this.short) {
      for (let i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1))
        state.found.push({ start: i, end: i + s.length });
    }
    return { matches: merge(state.found), openFrom: state.openFrom };
  }

  private probe(text: string, p: number, state: { found: SecretMatch[]; openFrom: number; covered: number }): void {
    if (p + WINDOW <= state.covered) return;
    const h = hashAt(text, p);
    const bit = mix(h);
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return;
    const list = this.table.get(h);
    if (!list) return;
    for (let j = 0; j < list.length; j += 2) {
      const hit = this.grow(text, p, list[j]!, list[j + 1]!);
      if (!hit) continue;
      if (hit.accepted) {
        state.found.push(hit);
        state.covered = Math.max(state.covered, hit.end);
      }
      if (hit.open) state.openFrom = Math.min(state.openFrom, hit.start);
    }
  }

  /** The stretch around window `p` that agrees with form `f` at offset `o`, or null. */
  private grow(text: string, p: number, f: number, o: number) {
    const form = this.forms[f]!;
    const t = form.text;
    for (let k = 0; k < WINDOW; k++) if (text.charCodeAt(p + k) !== t.charCodeAt(o + k)) return null;
    let start = p;
    let from = o;
    while (start > 0 && from > 0 && text.charCodeAt(start - 1) === t.charCodeAt(from - 1)) {
      start--;
      from--;
    }
    let end = p + WINDOW;
    let to = o + WINDOW;
    while (end < text.length && to < t.length && text.charCodeAt(end) === t.charCodeAt(to)) {
      end++;
      to++;
    }
    const whole = from === 0 && to === t.length;
    const open = end === text.length && to < t.length;
    const accepted = whole || end - start >= form.minFragment;
    if (accepted && form.base64)
      [start, end] = withPartials(text, start, end, from === 0, to === t.length, form.base64);
    // Line breaks around a multi-line secret stay, so that the lines around it stay lines.
    while (end > start && SPACE.test(text[end - 1]!)) end--;
    while (start < end && SPACE.test(text[start]!)) start++;
    return { start, end, accepted, open };
  }
}

/** Takes in the base64 characters that mix a secret's bits with its neighbours', and padding. */
function withPartials(
  text: string,
  start: number,
  end: number,
  atStart: boolean,
  atEnd: boolean,
  b64: NonNullable<SecretForm["base64"]>,
): [number, number] {
  let s = start;
  let e = end;
  if (atStart && b64.lead && s > 0 && b64.alphabet.test(text[s - 1]!)) s--;
  if (atEnd && b64.trail && e < text.length && b64.alphabet.test(text[e]!)) e++;
  if (atEnd) for (let k = 0; k < 2 && text[e] === "="; k++) e++;
  return [s, e];
}

function hashAt(text: string, at: number): number {
  let h = 0;
  for (let k = 0; k < WINDOW; k++) h = (Math.imul(h, BASE) + text.charCodeAt(at + k)) | 0;
  return h;
}

function merge(matches: SecretMatch[]): SecretMatch[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.start - b.start);
  const out: SecretMatch[] = [{ ...matches[0]! }];
  for (const m of matches.slice(1)) {
    const last = out.at(-1)!;
    if (m.start <= last.end) last.end = Math.max(last.end, m.end);
    else out.push({ ...m });
  }
  return out;
}
