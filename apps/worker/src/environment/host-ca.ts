import { access, constants } from "node:fs/promises";

/** Where the host's CA bundle appears in a sandbox that may reach the network. */
export const SANDBOX_CA_PATH = "/run/patchbay/ca/ca-bundle.pem";

/**
 * The CA bundle the host's package managers trust (read with their registries), when the worker
 * can read it. It should be a complete bundle (as Debian's ca-certificates.crt is): tools that
 * take one file use it instead of their own.
 */
export async function readableCaBundle(path: string | null): Promise<string | null> {
  if (!path) return null;
  try {
    await access(path, constants.R_OK);
    return path;
  } catch {
    return null;
  }
}

/** Environment pointing TLS clients (node, npm, pip, requests, openssl, git, curl) at the bundle. */
export function caEnv(): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: SANDBOX_CA_PATH,
    npm_config_cafile: SANDBOX_CA_PATH,
    PIP_CERT: SANDBOX_CA_PATH,
    REQUESTS_CA_BUNDLE: SANDBOX_CA_PATH,
    SSL_CERT_FILE: SANDBOX_CA_PATH,
    GIT_SSL_CAINFO: SANDBOX_CA_PATH,
    CURL_CA_BUNDLE: SANDBOX_CA_PATH,
  };
}
