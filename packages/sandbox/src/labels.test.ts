import { describe, expect, it } from "vitest";
import { boundContainerName, LABELS, listingFromLabels, nameableJobId, sandboxLabels } from "./labels.js";

const now = new Date("2025-01-02T03:04:05.000Z");

describe("labels", () => {
  it("reads a cold container's job from its label", () => {
    const listing = listingFromLabels("c1", sandboxLabels({ jobId: "j-1" }, "w", now), 0, ["/patchbay-j-1-ab"]);
    expect(listing).toMatchObject({ jobId: "j-1", workerId: "w", poolId: null, idle: false, createdAt: now });
  });

  it("tells an idle pool container from one handed to a job (by its new name)", () => {
    const labels = sandboxLabels({ poolId: "p1" }, undefined, now);
    expect(labels[LABELS.job]).toBeUndefined();
    expect(listingFromLabels("c2", labels, 0, ["/patchbay-pool-p1-ab12"])).toMatchObject({ jobId: "", idle: true });
    const job = "0b6f3a52-8c1e-4c6e-9d7a-1f2e3d4c5b6a";
    const bound = listingFromLabels("c2", labels, 0, [`/${boundContainerName(job, "ab12")}`]);
    expect(bound).toMatchObject({ jobId: job, idle: false, poolId: "p1" });
  });

  it("only binds job ids a container name can carry exactly", () => {
    expect(nameableJobId("0b6f3a52-8c1e-4c6e-9d7a-1f2e3d4c5b6a")).toBe(true);
    expect(nameableJobId("a/b")).toBe(false);
    expect(nameableJobId("a--b")).toBe(false);
    expect(nameableJobId("")).toBe(false);
  });
});
