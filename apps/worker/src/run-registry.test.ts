import { describe, expect, it } from "vitest";
import { RunRegistry } from "./run-registry.js";

describe("RunRegistry", () => {
  it("keeps a newer run of the same job when the older one ends, and cancels both", () => {
    const registry = new RunRegistry();
    const older = registry.start("job-1");
    const newer = registry.start("job-1");
    registry.end("job-1", older);
    expect(registry.ids()).toEqual(["job-1"]);
    expect(registry.abort("job-1", "cancelled")).toBe(true);
    expect(newer.signal.reason).toBe("cancelled");
    registry.end("job-1", newer);
    expect(registry.abort("job-1", "cancelled")).toBe(false);
  });

  it("lets one run be aborted without touching the other run of its job", () => {
    const registry = new RunRegistry();
    const older = registry.start("job-2");
    const newer = registry.start("job-2");
    older.abort("superseded");
    expect(newer.signal.aborted).toBe(false);
  });
});
