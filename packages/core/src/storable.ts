/**
 * Postgres stores neither a NUL character (text columns refuse 0x00, jsonb refuses `\u0000`) nor
 * a lone UTF-16 surrogate (jsonb refuses it as invalid JSON). Text that reaches storage from
 * commands, tests and models may hold either; these helpers make it storable, marking the spot.
 */

/** What replaces a NUL character or a lone surrogate in stored text. */
export const UNSTORABLE_REPLACEMENT = "\uFFFD";

// With the u flag a well-formed surrogate pair is one code point, so only lone surrogates match.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be found.
const UNSTORABLE_CHARS = /\u0000|\p{Cs}/gu;
// JSON.stringify escapes exactly these (it writes well-formed pairs as they are): a `\\` pair is
// consumed first so that an escaped backslash followed by "u0000" is left alone.
const UNSTORABLE_ESCAPES = /\\\\|\\u0000|\\ud[89a-f][0-9a-f]{2}/gi;
const HAS_UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f]/i;

/** `text` with every NUL character and lone surrogate replaced by U+FFFD. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE_CHARS, UNSTORABLE_REPLACEMENT);
}

/** Whether `text` holds a character Postgres cannot store. */
export function isStorableText(text: string): boolean {
  UNSTORABLE_CHARS.lastIndex = 0;
  return !UNSTORABLE_CHARS.test(text);
}

/**
 * A JSON value with every string (object keys included) made storable; the value itself when it
 * needed nothing. Works on the serialized form, so hostile nesting costs no recursion of ours.
 */
export function storableJson<T>(value: T): { value: T; sanitized: boolean } {
  const json = JSON.stringify(value);
  if (json === undefined || !HAS_UNSTORABLE_ESCAPE.test(json)) return { value, sanitized: false };
  const cleaned = json.replace(UNSTORABLE_ESCAPES, (m) => (m === "\\\\" ? m : "\\ufffd"));
  // The quick test above also matches an escaped backslash followed by "u0000": nothing to do then.
  if (cleaned === json) return { value, sanitized: false };
  return { value: JSON.parse(cleaned) as T, sanitized: true };
}
