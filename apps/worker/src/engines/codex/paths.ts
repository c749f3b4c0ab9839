/** Where the Codex engine's pieces are inside a sandbox. */
export const CODEX_SANDBOX_PATHS = {
  /** The host's Codex install (bin/codex, codex-path/), bind-mounted read-only. */
  installDir: "/run/patchbay/codex",
  binary: "/run/patchbay/codex/bin/codex",
  /** Helpers Codex expects on PATH (rg). */
  pathDir: "/run/patchbay/codex/codex-path",
  /** The static bridge (the egress bridge's binary), bind-mounted read-only. */
  bridge: "/run/patchbay/model-bridge",
  /** The host folder holding the model proxy's `model.sock`, bind-mounted read-only. */
  socketDir: "/run/patchbay/model",
  /** The bridge listens here on 127.0.0.1 (3128 is the egress proxy's). */
  port: 3129,
  /** CODEX_HOME: configuration, task and Codex's session files, in the home tmpfs. */
  home: "/home/sandbox/.codex",
} as const;
