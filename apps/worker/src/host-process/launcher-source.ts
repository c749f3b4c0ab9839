/**
 * The launcher's own program, run by plain `node -e` (no TypeScript loader: its small memory is
 * what makes its forks cheap). For each request it connects one socket per stream to the worker's
 * socket, names it with the request's id, starts the process with those sockets as its stdin,
 * stdout and stderr (in a process group of its own), and closes its own copies: the data flows
 * between the worker and the process, never through the launcher. It reports the pid, a start
 * failure (`error`: the program's; `fault`: its own, such as a socket it could not reach) and the
 * exit over the IPC channel, and ends when the worker goes.
 */
export const LAUNCHER_SOURCE = `
"use strict";
const net = require("node:net");
const { spawn } = require("node:child_process");
const socketPath = process.argv[1];
const send = (message) => { if (process.connected) process.send(message); };
// The worker is gone (also when it was killed): its socket's private folder goes with this process.
process.on("disconnect", () => {
  require("node:fs").rmSync(require("node:path").dirname(socketPath), { recursive: true, force: true });
  process.exit(0);
});
function connect(id, stream) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once("error", reject);
    socket.once("connect", () => socket.write(id + stream, (err) => (err ? reject(err) : resolve(socket))));
  });
}
process.on("message", async (m) => {
  let sockets = [];
  try {
    sockets = await Promise.all((m.stdin ? ["0", "1", "2"] : ["1", "2"]).map((s) => connect(m.id, s)));
    const stdio = m.stdin ? sockets : ["ignore", ...sockets];
    const child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio });
    child.once("error", (err) => send({ id: m.id, kind: "error", message: err.message, code: err.code }));
    child.once("spawn", () => send({ id: m.id, kind: "spawned", pid: child.pid }));
    child.once("exit", (code, signal) => send({ id: m.id, kind: "exit", code, signal }));
  } catch (err) {
    send({ id: m.id, kind: "fault", message: String((err && err.message) || err) });
  } finally {
    // destroy, not end: ending would shut the connection down for the process too.
    for (const socket of sockets) socket.destroy();
  }
});
`;
