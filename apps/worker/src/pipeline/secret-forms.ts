/** One way a secret may show up in text, and how much of it is enough to call a match. */
export interface SecretForm {
  text: string;
  /** A run of at least this many characters of `text` is redacted (the whole text always is). */
  minFragment: number;
  /** Base64 forms: the alphabet of the partial characters that border the stable core. */
  base64?: { alphabet: RegExp; lead: boolean; trail: boolean };
}

// Pieces shorter than these are too common to redact on their own (per form, in characters).
const TEXT_FRAGMENT = 12;
const BASE64_FRAGMENT = 16;
const HEX_FRAGMENT = 24;

const STD = /[A-Za-z0-9+/]/;
const URL_SAFE = /[A-Za-z0-9_-]/;

/**
 * The forms of one secret value that text matching can catch: as is, reversed, hex (both
 * cases), base64 and base64url at each of the three byte alignments (so that the secret is
 * found inside a longer base64 string), URL-encoded and JSON-escaped (the variants common
 * libraries produce). Forms equal to another are given once.
 */
export function secretForms(value: string): SecretForm[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = new Map<string, SecretForm>();
  const add = (text: string, minFragment: number, base64?: SecretForm["base64"]) => {
    if (text.length > 0 && !forms.has(text)) forms.set(text, { text, minFragment, ...(base64 ? { base64 } : {}) });
  };
  add(value, TEXT_FRAGMENT);
  add([...value].reverse().join(""), TEXT_FRAGMENT);
  const hex = bytes.toString("hex");
  add(hex, HEX_FRAGMENT);
  add(hex.toUpperCase(), HEX_FRAGMENT);
  for (const core of base64Cores(bytes)) {
    add(core.text, BASE64_FRAGMENT, { alphabet: STD, lead: core.lead, trail: core.trail });
    const url = core.text.replaceAll("+", "-").replaceAll("/", "_");
    add(url, BASE64_FRAGMENT, { alphabet: URL_SAFE, lead: core.lead, trail: core.trail });
  }
  for (const text of urlEncodings(value)) add(text, TEXT_FRAGMENT);
  for (const text of jsonEscapes(value)) add(text, TEXT_FRAGMENT);
  return [...forms.values()];
}

/**
 * The characters of base64 that depend on the secret's bytes only, for the secret starting at
 * byte 0, 1 or 2 of a 3-byte group; `lead`/`trail` say whether a character mixing the secret
 * with its neighbours borders the core.
 */
function base64Cores(bytes: Buffer): Array<{ text: string; lead: boolean; trail: boolean }> {
  const cores = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    const startBit = 8 * k;
    const endBit = 8 * (k + bytes.length);
    const start = Math.ceil(startBit / 6);
    const end = Math.floor(endBit / 6);
    if (end - start < 4) continue;
    cores.push({ text: encoded.slice(start, end), lead: startBit % 6 !== 0, trail: endBit % 6 !== 0 });
  }
  return cores;
}

/** encodeURIComponent, RFC 3986 strict (Python's quote), '+' for spaces, and lower-case escapes. */
function urlEncodings(value: string): string[] {
  const component = encodeURIComponent(value);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const keepSlash = strict.replaceAll("%2F", "/");
  const out = [component, strict, keepSlash, strict.replaceAll("%20", "+"), component.replaceAll("%20", "+")];
  return [...out, ...out.map((s) => s.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()))].filter((s) => s !== value);
}

/** JSON.stringify's escaping, with non-ASCII as \uXXXX (Python's default) and with "\/". */
function jsonEscapes(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const ascii = plain.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return [plain, ascii, plain.replaceAll("/", "\\/"), ascii.replaceAll("/", "\\/")].filter((s) => s !== value);
}
