/**
 * Whether `text` gives a secret back in any way an attacker would try first: as is, reversed,
 * base64 or base64url at any alignment, hex, URL-encoded or JSON-escaped; `piece` characters of
 * the secret (its start or its end) count as a leak.
 */
export function leaksSecret(text: string, secret: string, piece = 10): boolean {
  const probes = [secret.slice(0, piece), secret.slice(-piece)];
  const views = [text, [...text].reverse().join(""), safeDecodeURI(text), text.replace(/\\(.)/g, "$1")];
  for (const run of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (let k = 0; k < 4; k++) {
      views.push(Buffer.from(run.slice(k), "base64").toString("latin1"));
      views.push(Buffer.from(run.slice(k), "base64url").toString("latin1"));
    }
  }
  for (const run of text.match(/[0-9a-fA-F]{8,}/g) ?? []) {
    views.push(Buffer.from(run, "hex").toString("latin1"));
    views.push(Buffer.from(run.slice(1), "hex").toString("latin1"));
  }
  return views.some((v) => probes.some((p) => v.includes(p)));
}

function safeDecodeURI(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  }
}
