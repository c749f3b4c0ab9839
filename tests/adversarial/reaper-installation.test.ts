import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { DockerSandboxProvider, LABELS, reapSandboxes } from "@patchbay/sandbox";
import { afterAll, describe, expect, it } from "vitest";

// Another installation shares this Docker engine: its containers carry Patchbay's labels, jobs
// our database never heard of, and pool ids that are not ours. Our reaper must leave them alone.
const IMAGE = "patchbay/sandbox:1";
const tag = randomBytes(4).toString("hex");
const ours = `adv-ours-${tag}`;
const theirs = `adv-theirs-${tag}`;
const deadWorker = `adv-worker-${tag}`;
const made: string[] = [];

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const exists = (id: string) => docker("ps", "-aq", "--no-trunc", "--filter", `id=${id}`) !== "";

/** A created (never started) container with these labels, as another installation would leave it. */
function foreignContainer(labels: Record<string, string>): string {
  const flags = Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const id = docker("create", "--network", "none", ...flags, IMAGE, "true");
  made.push(id);
  return id;
}

afterAll(() => {
  for (const id of made) if (exists(id)) docker("rm", "-f", id);
});

describe("the reaper on an engine shared by installations", () => {
  it("removes its own abandoned containers and never another installation's (or unlabelled ones)", async () => {
    const provider = new DockerSandboxProvider({
      image: IMAGE,
      installationId: ours,
      defaults: { memoryMb: 256, workspaceMb: 64, tmpMb: 16, homeMb: 16 },
      pool: { size: 0 },
    });
    const ownJob = `adv-own-${randomUUID()}`;
    const own = await provider.create({ jobId: ownJob });
    made.push(own.id);
    const inspected = JSON.parse(docker("inspect", own.id))[0].Config.Labels as Record<string, string>;
    expect(inspected[LABELS.installation]).toBe(ours);

    const created = new Date(Date.now() - 3 * 3600_000).toISOString();
    const foreignJobs = [randomUUID(), randomUUID()];
    const foreign = [
      // A job of theirs (unknown to our database), hours old.
      foreignContainer({
        [LABELS.managed]: "1",
        [LABELS.installation]: theirs,
        [LABELS.job]: foreignJobs[0]!,
        [LABELS.created]: created,
      }),
      // An idle pool container of theirs whose worker id happens to equal ours.
      foreignContainer({
        [LABELS.managed]: "1",
        [LABELS.installation]: theirs,
        [LABELS.pool]: `p${tag}`,
        [LABELS.worker]: deadWorker,
        [LABELS.created]: created,
      }),
      // Patchbay labels without an installation (an older version, or someone else's tool).
      foreignContainer({ [LABELS.managed]: "1", [LABELS.job]: foreignJobs[1]!, [LABELS.created]: created }),
    ];
    const mine = new Set([ownJob, ...foreignJobs]);

    const reaped = await reapSandboxes(provider, {
      // Only this test's jobs are "unknown"; any other container on the engine is spared (lookup failed).
      lookupJob: async (jobId) => {
        if (mine.has(jobId)) return null;
        throw new Error("not this test's job");
      },
      workerId: deadWorker,
      // Hours later: every container above is past the unknown-job grace. Other pools stay young.
      now: new Date(Date.now() + 2 * 3600_000),
      orphanPoolAgeMs: 100 * 365 * 24 * 3600_000,
    });

    expect(reaped.map((r) => r.id)).toEqual([own.id]);
    expect(exists(own.id)).toBe(false);
    for (const id of foreign) expect(exists(id), `foreign container ${id}`).toBe(true);
    const listed = new Set((await provider.list()).map((c) => c.id));
    for (const id of foreign) expect(listed.has(id)).toBe(false);
  });
});
