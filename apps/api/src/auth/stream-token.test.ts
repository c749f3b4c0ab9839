import { describe, expect, it } from "vitest";
import { mintStreamToken, STREAM_TOKEN_TTL_MS, streamTokenKey, verifyStreamToken } from "./stream-token.js";

const JOB = "6f1c1a52-0b7e-4c39-9d2a-3e1f0a9b8c7d";
const OTHER = "0d9c2b41-7e6f-4a58-8b3c-2d1e0f9a8b7c";
const claims = { jobId: JOB, projectId: "p1", keyPrefix: "0123456789ab" };

describe("stream tokens", () => {
  const key = streamTokenKey("a-secrets-key");

  it("opens the job it was minted for until it expires", () => {
    const now = 1_000_000;
    const { token, expiresAt } = mintStreamToken(key, claims, now);
    expect(expiresAt).toBe(now + STREAM_TOKEN_TTL_MS);
    expect(verifyStreamToken(key, token, JOB, now + 1)).toEqual({ ...claims, expiresAt });
    expect(() => verifyStreamToken(key, token, JOB, expiresAt)).toThrow(/expired/);
  });

  it("refuses another job, another server key, and any change to the token", () => {
    const { token } = mintStreamToken(key, claims);
    expect(() => verifyStreamToken(key, token, OTHER)).toThrow(/another job/);
    expect(() => verifyStreamToken(streamTokenKey("another-key"), token, JOB)).toThrow(/not valid/);
    const [body, mac] = token.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ j: JOB, p: "p2", k: "x", e: Date.now() + 1e9 })).toString("base64url");
    expect(() => verifyStreamToken(key, `${forged}.${mac}`, JOB)).toThrow(/not valid/);
    for (const bad of ["", "x", `${body}.`, `${body}.${mac}.x`, `${body}.${mac.slice(1)}`]) {
      expect(() => verifyStreamToken(key, bad, JOB), bad).toThrow();
    }
  });

  it("derives the same key in every process from PATCHBAY_SECRETS_KEY, a random one without it", () => {
    expect(streamTokenKey("k").equals(streamTokenKey("k"))).toBe(true);
    expect(streamTokenKey(undefined).equals(streamTokenKey(undefined))).toBe(false);
  });
});
