import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { PatchbayError } from "@patchbay/core";

const VERSION = "v1";

/** Parses PATCHBAY_SECRETS_KEY (or the variable named): 32 bytes as 64 hex characters or base64. */
export function parseSecretsKey(text: string, variable = "PATCHBAY_SECRETS_KEY"): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new Error(`${variable} must be 32 bytes, as 64 hex characters or base64 (openssl rand -base64 32)`);
  }
  return key;
}

function asKey(key: Buffer | string): Buffer {
  const bytes = typeof key === "string" ? parseSecretsKey(key) : key;
  if (bytes.length !== 32) throw new Error("a secrets key is 32 bytes");
  return bytes;
}

/**
 * AES-256-GCM with a fresh 96-bit IV per value. The additional data binds a ciphertext to its
 * project and name, so a row copied to another project or name does not decrypt.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly previous: Buffer[];

  /** `previous` keys still open values sealed before a key rotation; new values use `key`. */
  constructor(key: Buffer | string, previous: Array<Buffer | string> = []) {
    this.key = asKey(key);
    this.previous = previous.map(asKey);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each base64url. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv).setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  /** The plaintext; throws when the value was not sealed with one of the keys and this context. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, ct] = sealed.split(".");
    if (version !== VERSION || !iv || !tag || ct === undefined) {
      throw new PatchbayError("internal", "a stored secret has an unknown format");
    }
    let failure: unknown;
    for (const key of [this.key, ...this.previous]) {
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"))
          .setAAD(Buffer.from(context))
          .setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
      } catch (err) {
        failure = err;
      }
    }
    throw new PatchbayError(
      "internal",
      "a stored secret does not decrypt with PATCHBAY_SECRETS_KEY (or PATCHBAY_SECRETS_KEY_PREVIOUS)",
      { cause: failure },
    );
  }
}

/** The box for the configured keys; null when no PATCHBAY_SECRETS_KEY is set. */
export function secretBoxFrom(settings: {
  PATCHBAY_SECRETS_KEY?: string | undefined;
  PATCHBAY_SECRETS_KEY_PREVIOUS?: string | undefined;
}): SecretBox | null {
  if (!settings.PATCHBAY_SECRETS_KEY) return null;
  const previous = settings.PATCHBAY_SECRETS_KEY_PREVIOUS;
  return new SecretBox(
    parseSecretsKey(settings.PATCHBAY_SECRETS_KEY),
    previous ? [parseSecretsKey(previous, "PATCHBAY_SECRETS_KEY_PREVIOUS")] : [],
  );
}
