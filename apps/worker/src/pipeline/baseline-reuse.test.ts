import { describe, expect, it } from "vitest";
import { baselineKey } from "./baseline-reuse.js";

const entry = (oid: string) => ({ mode: "100644", oid, stage: "0" });
const inputs = {
  index: new Map([
    ["src/cart.js", entry("a1")],
    ["test/cart.test.js", entry("b1")],
  ]),
  environmentKey: "env-1",
  sandbox: { image: "patchbay/sandbox:1", cpus: 2, memoryMb: 2048 },
  plan: { commands: [{ kind: "test" as const, command: "npm test", source: "detected" as const }] },
};

describe("baselineKey", () => {
  it("is the same for the same tree and settings, and new when a file, the environment or a command differs", () => {
    const key = baselineKey(inputs);
    expect(baselineKey({ ...inputs, index: new Map(inputs.index) })).toBe(key);
    expect(baselineKey({ ...inputs, index: new Map([...inputs.index, ["src/cart.js", entry("a2")]]) })).not.toBe(key);
    expect(baselineKey({ ...inputs, index: new Map([...inputs.index, ["README.md", entry("c1")]]) })).not.toBe(key);
    expect(baselineKey({ ...inputs, environmentKey: "env-2" })).not.toBe(key);
    expect(baselineKey({ ...inputs, sandbox: { ...inputs.sandbox, cpus: 1 } })).not.toBe(key);
    const other = { commands: [{ kind: "test" as const, command: "npm test --silent", source: "job" as const }] };
    expect(baselineKey({ ...inputs, plan: other })).not.toBe(key);
  });
});
