import type Dockerode from "dockerode";

/**
 * Whether the engine runs on this host, so a bind mount's source is a path here. dockerode sets
 * `socketPath` (a path, or a finder function) only for a local engine; `DOCKER_HOST` with tcp or
 * ssh leaves it unset, and a sandbox there cannot see this host's sockets or files.
 */
export function engineIsLocal(docker: Dockerode): boolean {
  const modem = docker.modem as unknown as { socketPath?: unknown };
  return modem.socketPath !== undefined;
}
