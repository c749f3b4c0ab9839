import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { PatchbayError } from "@patchbay/core";

const VERSION = "v1";

/** Parses PATCHBAY_SECRETS_KEY: 32 bytes as 64 hex characters or base64. */
export function parseSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new Error("PATCHBAY_SECRETS_KEY must be 32 bytes, as 64 hex characters or base64 (openssl rand -base64 32)");
  }
  return key;
}

/**
 * AES-256-GCM with a fresh 96-bit IV per value. The additional data binds a ciphertext to its
 * project and name, so a row copied to another project or name does not decrypt.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer | string) {
    this.key = typeof key === "string" ? parseSecretsKey(key) : key;
    if (this.key.length !== 32) throw new Error("a secrets key is 32 bytes");
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

  /** The plaintext; throws when the value was not sealed with this key and context. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, ct] = sealed.split(".");
    if (version !== VERSION || !iv || !tag || ct === undefined) {
      throw new PatchbayError("internal", "a stored secret has an unknown format");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"))
        .setAAD(Buffer.from(context))
        .setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
    } catch (err) {
      throw new PatchbayError("internal", "a stored secret does not decrypt with PATCHBAY_SECRETS_KEY", { cause: err });
    }
  }
}
