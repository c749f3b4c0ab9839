import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a notification's signed timestamp may be from the receiver's clock (5 minutes). */
export const NOTIFY_SIGNATURE_TOLERANCE_SEC = 300;

/** The header that carries a notification's signature. */
export const NOTIFY_SIGNATURE_HEADER = "x-patchbay-signature";

/** The header that names a notification's delivery: the same on every retry and redelivery. */
export const NOTIFY_DELIVERY_HEADER = "x-patchbay-delivery";

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The `X-Patchbay-Signature` value of a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signNotification(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${mac(secret, timestamp, body)}`;
}

/** Why a notification's signature was refused. */
export type NotificationVerdict =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "malformed" | "mismatch" | "expired" };

/**
 * Checks a notification as its receiver should: the `v1` HMAC over `"<t>.<raw body>"` with the
 * project's `NOTIFY_SECRET`, compared in constant time, and `t` within `toleranceSec` of now (so
 * a captured delivery cannot be replayed later). Several `v1=` entries are accepted, any may match.
 * Pass the body exactly as received (bytes as UTF-8 text), not re-serialized JSON.
 */
export function verifyNotification(
  secret: string,
  header: string | undefined,
  body: string,
  options: { toleranceSec?: number; nowSec?: number } = {},
): NotificationVerdict {
  const parts = (header ?? "").split(",").map((p) => p.trim().split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const signatures = parts.filter(([k, v]) => k === "v1" && v).map(([, v]) => v as string);
  const timestamp = t && /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (Number.isNaN(timestamp) || signatures.length === 0) return { ok: false, reason: "malformed" };
  const expected = Buffer.from(mac(secret, timestamp, body), "hex");
  const matches = signatures.some((s) => {
    const given = Buffer.from(s, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return { ok: false, reason: "mismatch" };
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSec ?? NOTIFY_SIGNATURE_TOLERANCE_SEC)) {
    return { ok: false, reason: "expired" };
  }
  return { ok: true, timestamp };
}
