import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";

/** Where the host's CA bundle appears in a sandbox that may reach the network. */
export const SANDBOX_CA_PATH = "/run/patchbay/ca/ca-bundle.pem";

function ask(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });
}

/**
 * The CA bundle the worker host's own package managers trust (npm's `cafile`, else pip's
 * `cert`), or null. Networks that inspect TLS sign with their own CA; setup in a sandbox must
 * trust what the host trusts to reach the same registries. It should be a complete bundle (as
 * Debian's ca-certificates.crt is): tools that take one file use it instead of their own.
 */
export async function hostCaBundle(): Promise<string | null> {
  const npm = await ask("npm", ["config", "get", "cafile"]);
  const pip = await ask("python3", ["-m", "pip", "config", "get", "global.cert"]);
  for (const candidate of [npm, pip]) {
    if (!candidate || candidate === "null" || candidate === "undefined" || !candidate.startsWith("/")) continue;
    try {
      await access(candidate, constants.R_OK);
      return candidate;
    } catch {
      // not readable: try the next one
    }
  }
  return null;
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
