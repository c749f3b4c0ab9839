import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { loadConfig } from "@patchbay/config";
import { createDb, ProjectRepository, SecretBox, SecretRepository } from "@patchbay/db";
import { afterAll, describe, expect, it } from "vitest";

const CLI = path.resolve(import.meta.dirname, "../../bin/patchbay.mjs");
const db = createDb(loadConfig().DATABASE_URL, { max: 2 });
const project = `rekey-${randomUUID().slice(0, 8)}`;
const oldKey = randomBytes(32).toString("base64");
const newKey = randomBytes(32).toString("base64");

afterAll(async () => {
  await db.project.delete({ where: { id: project } }).catch(() => undefined);
  await db.$disconnect();
});

function rekey(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const args = [CLI, "secrets", "rekey", "--project", project, "--json"];
    execFile("node", args, { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

describe("patchbay secrets rekey", () => {
  it("moves every secret of a rotation to the new key, and names what no key opens", async () => {
    await new ProjectRepository(db).ensure(project);
    await new SecretRepository(db, new SecretBox(oldKey)).put(project, "DEPLOY_TOKEN", "s3cret");
    const newOnly = new SecretRepository(db, new SecretBox(newKey));
    await expect(newOnly.values(project)).rejects.toThrow(/does not decrypt/);

    const withoutOld = await rekey({ PATCHBAY_SECRETS_KEY: newKey });
    expect(withoutOld.code).toBe(3);
    expect(withoutOld.stderr).toContain(`${project}/DEPLOY_TOKEN`);

    const rotated = await rekey({ PATCHBAY_SECRETS_KEY: newKey, PATCHBAY_SECRETS_KEY_PREVIOUS: oldKey });
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual({ rekeyed: 1, failed: [] });
    // The old key is no longer needed.
    expect(await newOnly.values(project)).toEqual({ DEPLOY_TOKEN: "s3cret" });
  });
});
