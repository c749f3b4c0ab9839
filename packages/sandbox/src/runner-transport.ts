import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type Docker from "dockerode";
import { startExec } from "./exec-stream.js";
import type { FrameSink, StreamName } from "./frames.js";
import { RUNNER_PATHS, type RunnerDoor, type RunnerStreams } from "./runner-door.js";
import type { ShellConnector, ShellTransport } from "./shell-session.js";

/** How long a runner gets to connect before the sandbox falls back to the attach stream. */
export const RUNNER_START_TIMEOUT_MS = 5000;
// After the start exec's own output ended (the runner swapped its stdio, or died), the time its
// connections still get to arrive.
const AFTER_EXEC_MS = 1000;

/**
 * Starts the shell behind the sandbox's runner: one engine exec (sandbox user, same limits) runs
 * the runner, which connects to `door` and execs the shell with the three connections as its
 * stdio. Rejects (so the caller can fall back) when the runner does not connect in time.
 */
export function runnerConnector(
  container: Docker.Container,
  door: RunnerDoor,
  workingDir: string,
  timeoutMs = RUNNER_START_TIMEOUT_MS,
): ShellConnector {
  return async (cmd, sink) => {
    const token = randomBytes(16).toString("hex");
    const wait = door.expect(token);
    let said = "";
    try {
      const handle = await startExec(container, {
        cmd: [RUNNER_PATHS.binary, RUNNER_PATHS.socket, ...cmd],
        env: [`PATCHBAY_RUNNER_TOKEN=${token}`],
        workingDir,
        sink: (_stream, payload) => {
          said += payload.toString("utf8").slice(0, 1000);
          return undefined;
        },
      });
      const streams = await within(wait.promise, timeoutMs, handle.done, () => said);
      handle.detach();
      return socketTransport(streams, sink);
    } catch (err) {
      wait.cancel();
      throw err;
    }
  };
}

/** Resolves with the streams, or rejects at the deadline or soon after the exec ended without them. */
async function within(
  streams: Promise<RunnerStreams>,
  timeoutMs: number,
  execEnded: Promise<void>,
  said: () => string,
): Promise<RunnerStreams> {
  let timer: NodeJS.Timeout | undefined;
  const fail = (why: string) =>
    new Error(`the sandbox runner did not connect (${why})${said() ? `: ${said().trim()}` : ""}`);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail(`${timeoutMs} ms`)), timeoutMs);
  });
  const ended = execEnded.then(async () => {
    // An error message means it failed; silence may be the success that closed the exec's output.
    if (said().trim() === "") await new Promise((resolve) => setTimeout(resolve, AFTER_EXEC_MS));
    throw fail("its exec ended");
  });
  ended.catch(() => undefined);
  try {
    return await Promise.race([streams, deadline, ended]);
  } finally {
    clearTimeout(timer);
  }
}

/** The shell's stdio as a session transport; a slow sink pauses the socket it reads. */
function socketTransport(streams: RunnerStreams, sink: FrameSink): ShellTransport {
  const all = [streams.stdin, streams.stdout, streams.stderr];
  for (const s of all) s.on("error", () => undefined);
  const detach = () => {
    for (const s of all) s.destroy();
  };
  const done = Promise.all([pump(streams.stdout, "stdout", sink), pump(streams.stderr, "stderr", sink)]).then(detach);
  return { input: streams.stdin, done, detach };
}

function pump(socket: Socket, stream: StreamName, sink: FrameSink): Promise<void> {
  socket.on("data", (chunk: Buffer) => {
    const wait = sink(stream, chunk);
    if (!wait) return;
    socket.pause();
    const resume = () => socket.resume();
    wait.then(resume, resume);
  });
  socket.resume();
  return new Promise((resolve) => {
    socket.once("end", resolve);
    socket.once("close", resolve);
  });
}
