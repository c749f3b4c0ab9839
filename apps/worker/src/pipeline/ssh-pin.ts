import { isIP } from "node:net";
import { PatchbayError } from "@patchbay/core";

/**
 * Where git's ssh must connect for a checked repository: to the address that was checked, with
 * the host key still checked under the name the URL gives (ssh would otherwise resolve the name
 * again, and a second DNS answer could lead it to this machine or a private network).
 */
export interface SshPin {
  /** The checked IP address ssh connects to (`HostName`). */
  address: string;
  /** The known_hosts name of the host key (`HostKeyAlias`): `host`, or `[host]:port` for a port other than 22. */
  hostKeyAlias: string;
}

/** The pin for `hostname` (as written in the URL) and `port` (absent for 22) at the checked `address`. */
export function sshPin(hostname: string, port: number | undefined, address: string): SshPin {
  // Without an alias ssh would look the key up under the IP; with one it adds no port by itself.
  const hostKeyAlias = port && port !== 22 ? `[${hostname}]:${port}` : hostname;
  return { address, hostKeyAlias };
}

/** The ssh arguments that pin a connection: `-o HostName=<address> -o HostKeyAlias=<alias>`. */
export function sshPinArgs(pin: SshPin): string[] {
  if (isIP(pin.address) === 0 || pin.hostKeyAlias === "" || pin.hostKeyAlias.startsWith("-")) {
    throw new PatchbayError("repo_clone_failed", `cannot pin ssh to ${pin.address} for ${pin.hostKeyAlias}`);
  }
  return ["-o", `HostName=${pin.address}`, "-o", `HostKeyAlias=${pin.hostKeyAlias}`];
}

/** One word for the sh that git runs GIT_SSH_COMMAND with (a host name or path may hold `$(…)`). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The ssh command `base` (default `ssh`) with the pin's options added, for GIT_SSH_COMMAND. */
export function pinnedSshCommand(base: string | undefined, pin: SshPin): string {
  // Options before git's own arguments: ssh keeps the first value it gets for each.
  return [base?.trim() || "ssh", ...sshPinArgs(pin).map(shellQuote)].join(" ");
}

/** `env` with GIT_SSH_COMMAND pinned (the credentials' ssh command kept); unchanged without a pin. */
export function addSshPin(env: Record<string, string>, pin: SshPin | undefined): Record<string, string> {
  if (!pin) return env;
  // GIT_SSH_COMMAND wins over GIT_SSH, so a GIT_SSH program becomes its first word.
  const base = env.GIT_SSH_COMMAND ?? (env.GIT_SSH ? shellQuote(env.GIT_SSH) : undefined);
  return { ...env, GIT_SSH_COMMAND: pinnedSshCommand(base, pin) };
}
