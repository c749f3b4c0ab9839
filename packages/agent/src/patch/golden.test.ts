import { cp, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalWorkspace } from "../local-workspace.js";
import { applyPatchOperation, applyPatchText, type PatchOperation } from "./apply.js";
import { PatchError, type PatchResult } from "./types.js";

// Each fixture folder: before/ (the workspace), patch (a Codex envelope, or one apply_patch_call
// operation or an array of them as JSON), and after/ (the expected workspace) or expected_error
// (text the PatchError message must contain; the workspace must then be left untouched).
const FIXTURES = join(import.meta.dirname, "fixtures");
const names = (await readdir(FIXTURES, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Every file under `dir` with its bytes as a string (latin1 keeps CR and BOM bytes visible). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  if (!(await exists(dir))) return {};
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files[relative(dir, full)] = (await readFile(full)).toString("latin1");
  }
  return files;
}

async function applyFixturePatch(workspace: LocalWorkspace, patch: string): Promise<PatchResult[]> {
  const trimmed = patch.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return [await applyPatchText(workspace, patch)];
  const parsed = JSON.parse(trimmed) as PatchOperation | PatchOperation[];
  const results: PatchResult[] = [];
  for (const operation of Array.isArray(parsed) ? parsed : [parsed]) {
    results.push(await applyPatchOperation(workspace, operation));
  }
  return results;
}

describe("patch engine golden scenarios", () => {
  it("has at least 20 scenarios", () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  it.each(names)("%s", async (name) => {
    const fixture = join(FIXTURES, name);
    const root = await mkdtemp(join(tmpdir(), "patchbay-patch-"));
    temps.push(root);
    if (await exists(join(fixture, "before"))) await cp(join(fixture, "before"), root, { recursive: true });
    const workspace = new LocalWorkspace(root);
    const patch = await readFile(join(fixture, "patch"), "utf8");
    const errorPath = join(fixture, "expected_error");

    if (await exists(errorPath)) {
      const expected = (await readFile(errorPath, "utf8")).trim();
      const error = await applyFixturePatch(workspace, patch).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(PatchError);
      expect((error as PatchError).message).toContain(expected);
      expect(await snapshot(root)).toEqual(await snapshot(join(fixture, "before")));
    } else {
      await applyFixturePatch(workspace, patch);
      expect(await snapshot(root)).toEqual(await snapshot(join(fixture, "after")));
    }
  });
});
