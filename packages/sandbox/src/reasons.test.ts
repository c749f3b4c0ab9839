import { describe, expect, it } from "vitest";
import { decideReason, type EndFacts } from "./reasons.js";

const base: EndFacts = { exitCode: 1, timedOut: false, oomKills: 0, pidsLimitHits: 0, output: "" };

describe("decideReason", () => {
  it("gives no reason for an ordinary exit, zero or not", () => {
    expect(decideReason({ ...base, exitCode: 0 })).toBeUndefined();
    expect(decideReason({ ...base, exitCode: 1 })).toBeUndefined();
    expect(decideReason({ ...base, exitCode: 0, oomKills: 1 })).toBeUndefined();
  });

  it("names resource limits before the time-out", () => {
    expect(decideReason({ ...base, exitCode: 137, oomKills: 1 })).toBe("oom");
    expect(decideReason({ ...base, exitCode: null, timedOut: true, pidsLimitHits: 3 })).toBe("pids_limit");
    expect(decideReason({ ...base, output: "head: error writing 'x': No space left on device" })).toBe("disk_limit");
    expect(decideReason({ ...base, exitCode: null, timedOut: true })).toBe("timeout");
  });

  it("reports death by signal as killed", () => {
    expect(decideReason({ ...base, exitCode: 137 })).toBe("killed");
    expect(decideReason({ ...base, exitCode: 143 })).toBe("killed");
    expect(decideReason({ ...base, exitCode: null, shellDied: true })).toBe("killed");
    expect(decideReason({ ...base, exitCode: 255 })).toBeUndefined();
  });
});
