import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/scripted-model.mjs", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
});

function firstLine(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text.split("\n")[0] ?? "");
    });
    proc.once("exit", (code) => reject(new Error(`exited with ${code} before printing a line`)));
  });
}

describe("patchbay-scripted-model bin", () => {
  it("prints its URL and serves the scripts folder", async () => {
    child = spawn(process.execPath, [BIN, "--port", "0", "--scripts", EXAMPLES], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await firstLine(child);
    expect(line).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const url = line.slice("listening ".length);
    const models = (await (await fetch(`${url}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain("script:hello");
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("exits non-zero with a message on a bad port", async () => {
    child = spawn(process.execPath, [BIN, "--port", "nope"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(stderr).toContain("--port must be 0-65535");
  });
});
