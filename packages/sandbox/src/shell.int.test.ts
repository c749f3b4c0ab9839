import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { remaining, TRANSPORTS, testProvider, transportOptions, uniqueJobId } from "./test-support.js";

describe.each(TRANSPORTS)("persistent shell over %s", (transport) => {
  const notices: string[] = [];
  const provider = testProvider({ onShellNotice: (n) => notices.push(n.message), ...transportOptions(transport) });
  const execProvider = testProvider({ shell: "exec", ...transportOptions(transport) });
  const jobId = uniqueJobId("shell");
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = await provider.create({ jobId });
  });

  afterAll(async () => {
    // The shell deaths below were survived on the same path: nothing fell back to the attach stream.
    expect(sandbox.commandTransport).toBe(transport);
    await provider.destroyForJob(jobId);
    expect(await remaining(provider, jobId)).toBe(0);
  });

  it("gives each command a fresh state, as bash -lc would", async () => {
    await sandbox.exec("cd /tmp; export LEAK=1; X=2; set -e; alias ll=ls");
    expect((await sandbox.exec('pwd; echo "[$LEAK$X]"; echo $-')).stdout).toMatch(/^\/workspace\n\[\]\n[^e]*$/);
  });

  it("gives a command only stdin, stdout and stderr: none of the session's own descriptors", async () => {
    // Looked up one by one with stat (listing the folder would open one more); twice, so the
    // second runs in a subshell forked after a command, as most do.
    const open = 'for ((fd = 0; fd < 1024; fd++)); do [[ -e /proc/$BASHPID/fd/$fd ]] && echo -n "$fd "; done';
    for (let i = 0; i < 2; i++) expect((await sandbox.exec(open)).stdout).toBe("0 1 2 ");
  });

  it("survives a command that kills $$ and one that reads stdin", async () => {
    expect((await sandbox.exec("kill $$; echo still")).stdout).toBe("still\n");
    const cat = await sandbox.exec("cat; echo done", { timeoutMs: 5000 });
    expect(cat).toMatchObject({ exitCode: 0, stdout: "done\n", timedOut: false });
  });

  it("survives a command that sends TERM to every shell process but its session's", async () => {
    await Promise.all([sandbox.exec("true"), sandbox.exec("true")]);
    const before = notices.length;
    // Its own subshell matches too: the command ends itself (143), the sessions and their waiting subshells live on.
    const all = "for p in $(pgrep -f 'exec 3>&2'); do [ $p != $$ ] && kill -TERM $p; done; echo missed";
    expect(await sandbox.exec(all)).toMatchObject({ exitCode: 143, stdout: "" });
    const next = await Promise.all([sandbox.exec("echo a"), sandbox.exec("echo b")]);
    expect(next.map((r) => r.stdout)).toEqual(["a\n", "b\n"]);
    expect(notices.slice(before)).toEqual([]);
  });

  it("returns when a command leaves a background process, and keeps later output clean", async () => {
    const started = Date.now();
    // Waiting for the background process would take 4 s; returning takes milliseconds.
    const bg = await sandbox.exec("(sleep 4; echo late) & echo started");
    expect(bg.stdout).toBe("started\n");
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise((resolve) => setTimeout(resolve, 4500));
    expect((await sandbox.exec("echo next")).stdout).toBe("next\n");
  });

  it("runs concurrent commands side by side", async () => {
    // Each command waits for the other's file: run one after the other, both would time out.
    const rendezvous = (me: string, other: string, stream: string) =>
      `touch /tmp/${me}; for i in $(seq 1 200); do [ -e /tmp/${other} ] && { echo ${me} ${stream}; exit 0; }; sleep 0.05; done; exit 9`;
    const [a, b] = await Promise.all([
      sandbox.exec(rendezvous("a", "b", ""), { timeoutMs: 30_000 }),
      sandbox.exec(rendezvous("b", "a", ">&2"), { timeoutMs: 30_000 }),
    ]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect([a.stdout, b.stderr]).toEqual(["a\n", "b\n"]);
  });

  it("falls back to a fresh shell when the shell died, and says so", async () => {
    const died = await sandbox.exec("kill -9 $$; echo after");
    expect(died.exitCode).toBeNull();
    expect(died.reason).toBe("killed");
    const chunks: string[] = [];
    const next = await sandbox.exec("echo fresh", { onOutput: (_s, text) => chunks.push(text) });
    expect(next.stdout).toBe("fresh\n");
    expect(chunks.join("")).toContain("shell had died");
    expect(notices.some((n) => n.includes("shell had died"))).toBe(true);
  });

  it("gives the same results with a fresh exec per command", async () => {
    const box = await execProvider.create({ jobId });
    try {
      expect(await box.exec("echo out; echo err >&2; exit 3")).toMatchObject({
        exitCode: 3,
        stdout: "out\n",
        stderr: "err\n",
      });
      const slow = await box.exec("sleep 30", { timeoutMs: 300 });
      expect(slow).toMatchObject({ timedOut: true, exitCode: null, reason: "timeout" });
    } finally {
      await box.destroy();
    }
  });
});
