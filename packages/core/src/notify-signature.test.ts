import { describe, expect, it } from "vitest";
import { signNotification, verifyNotification } from "./notify-signature.js";

const body = '{"event":"job.finished","job":{"id":"j"}}';

describe("notification signatures", () => {
  it("verify a fresh signature over the exact body", () => {
    const header = signNotification("s3cret", body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyNotification("s3cret", header, body, { nowSec: 1_700_000_100 })).toEqual({
      ok: true,
      timestamp: 1_700_000_000,
    });
  });

  it("refuse another secret, an edited body, a moved timestamp and an old signature", () => {
    const header = signNotification("s3cret", body, 1_700_000_000);
    const now = { nowSec: 1_700_000_000 };
    expect(verifyNotification("other", header, body, now)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyNotification("s3cret", header, `${body} `, now)).toEqual({ ok: false, reason: "mismatch" });
    const moved = header.replace("t=1700000000", "t=1700000500");
    expect(verifyNotification("s3cret", moved, body, { nowSec: 1_700_000_500 }).ok).toBe(false);
    expect(verifyNotification("s3cret", header, body, { nowSec: 1_700_000_301 })).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(verifyNotification("s3cret", header, body, { nowSec: 1_700_000_301, toleranceSec: 600 }).ok).toBe(true);
  });

  it("refuse a malformed header and accept any of several v1 entries (a rotated secret)", () => {
    for (const bad of [undefined, "", "sha256=abc", "t=abc,v1=00", "t=1700000000"]) {
      expect(verifyNotification("s3cret", bad, body, { nowSec: 1_700_000_000 })).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
    const good = signNotification("s3cret", body, 1_700_000_000).split(",")[1];
    const header = `t=1700000000,v1=${"0".repeat(64)},${good}`;
    expect(verifyNotification("s3cret", header, body, { nowSec: 1_700_000_000 }).ok).toBe(true);
  });
});
