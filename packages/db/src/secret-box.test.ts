import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox, secretBoxFrom } from "./secret-box.js";

describe("SecretBox key rotation", () => {
  const oldKey = randomBytes(32).toString("hex");
  const newKey = randomBytes(32).toString("base64");

  it("opens values sealed with a previous key and seals new ones with the current key", () => {
    const sealed = new SecretBox(oldKey).seal("token", "p/NAME");
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.open(sealed, "p/NAME")).toBe("token");
    const resealed = rotated.seal("token", "p/NAME");
    expect(new SecretBox(newKey).open(resealed, "p/NAME")).toBe("token");
    expect(() => new SecretBox(oldKey).open(resealed, "p/NAME")).toThrow(/does not decrypt/);
  });

  it("still binds a value to its project and name", () => {
    const sealed = new SecretBox(oldKey).seal("token", "p/NAME");
    expect(() => new SecretBox(newKey, [oldKey]).open(sealed, "q/NAME")).toThrow(/does not decrypt/);
  });

  it("names the variable that holds a malformed key", () => {
    expect(() => secretBoxFrom({ PATCHBAY_SECRETS_KEY: newKey, PATCHBAY_SECRETS_KEY_PREVIOUS: "short" })).toThrow(
      /^PATCHBAY_SECRETS_KEY_PREVIOUS must be 32 bytes/,
    );
  });

  it("is built from the configuration, and absent without a key", () => {
    expect(secretBoxFrom({})).toBeNull();
    const box = secretBoxFrom({ PATCHBAY_SECRETS_KEY: newKey, PATCHBAY_SECRETS_KEY_PREVIOUS: oldKey });
    expect(box?.open(new SecretBox(oldKey).seal("v", "c"), "c")).toBe("v");
  });
});
