/** Where the egress pieces live inside every sandbox. */
export const SANDBOX_EGRESS = {
  /** The door's host directory is bind-mounted here; it holds `proxy.sock`. */
  socketDir: "/run/patchbay/egress",
  /** The static bridge binary, bind-mounted read-only. */
  bridgePath: "/run/patchbay/bin/egress-bridge",
  /** The bridge listens on 127.0.0.1 at this port; tools use it as their HTTP(S) proxy. */
  port: 3128,
} as const;

/** The socket file's name inside a door's directory. */
export const SOCKET_NAME = "proxy.sock";

const NO_PROXY = "localhost,127.0.0.1,::1";

/**
 * The environment that points a sandbox's tools at the bridge.
 * - curl and git (libcurl): `http_proxy` (lower case only: libcurl ignores HTTP_PROXY), `HTTPS_PROXY`/`https_proxy`, `NO_PROXY`.
 * - Python's urllib and pip (requests): `HTTP(S)_PROXY` in either case, `NO_PROXY`. PIP_PROXY is left
 *   out on purpose: pip's `--proxy` overrides `NO_PROXY`, so an index served on the sandbox's own
 *   loopback would be sent to the proxy.
 * - npm and pnpm: `npm_config_proxy`, `npm_config_https_proxy`, `npm_config_noproxy` (they also fall
 *   back to HTTP(S)_PROXY); yarn 1 reads the same `npm_config_*` variables.
 * - yarn 2+ (berry) does not read HTTP(S)_PROXY: `YARN_HTTP_PROXY`, `YARN_HTTPS_PROXY`.
 * - Node's own fetch/http (postinstall downloaders): `NODE_USE_ENV_PROXY=1` (Node 22.21+/24.5+; older ignore it).
 */
export function egressEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${SANDBOX_EGRESS.port}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY,
    no_proxy: NO_PROXY,
    npm_config_proxy: url,
    npm_config_https_proxy: url,
    npm_config_noproxy: NO_PROXY,
    YARN_HTTP_PROXY: url,
    YARN_HTTPS_PROXY: url,
    NODE_USE_ENV_PROXY: "1",
  };
}

/**
 * A POSIX shell command that starts the bridge in the background inside the sandbox and returns
 * once it listens (the bridge detaches into its own session after binding). It fails with a message
 * naming what is missing when the bridge or the proxy socket is not mounted, or the port is taken.
 */
export function bridgeStartCommand(socketDir: string = SANDBOX_EGRESS.socketDir): string {
  const { bridgePath, port } = SANDBOX_EGRESS;
  const socket = `${socketDir}/${SOCKET_NAME}`;
  return [
    `if [ ! -x ${bridgePath} ]; then echo "patchbay egress: the bridge ${bridgePath} is not mounted in this sandbox" >&2; exit 1; fi`,
    `if [ ! -S ${socket} ]; then echo "patchbay egress: no proxy socket at ${socket} (the proxy door is not mounted or is closed)" >&2; exit 1; fi`,
    `${bridgePath} --daemon 127.0.0.1:${port} ${socket}`,
  ].join("; ");
}
