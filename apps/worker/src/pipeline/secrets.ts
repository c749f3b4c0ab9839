import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PatchbayError, toPatchbayError } from "@patchbay/core";
import { type CollectedPatch, guardPatch } from "./finalize.js";
import { credentialTarget, hostAllowed, parseHosts } from "./git-hosts.js";
import { Redactor } from "./redact.js";
import { shellQuote } from "./ssh-pin.js";

/** Where a job's project secrets come from (the database, decrypted). */
export interface SecretSource {
  values(projectId: string): Promise<Record<string, string>>;
}

/** Secret names Patchbay itself uses for clone and push; every secret is also setup env. */
export const GIT_SECRET_NAMES = {
  httpsToken: "GIT_HTTPS_TOKEN",
  httpsUsername: "GIT_HTTPS_USERNAME",
  sshKey: "GIT_SSH_KEY",
  sshKnownHosts: "GIT_SSH_KNOWN_HOSTS",
  /** Comma-separated hosts (`host` or `host:port`) GIT_HTTPS_TOKEN is sent to; none when unset. */
  httpsHosts: "GIT_HTTPS_HOSTS",
  /** Comma-separated hosts GIT_SSH_KEY is offered to; none when unset. */
  sshHosts: "GIT_SSH_HOSTS",
} as const;

/** Settings kept with the secrets that are not secret: host names would otherwise be redacted everywhere. */
const NOT_SECRET: ReadonlySet<string> = new Set([GIT_SECRET_NAMES.httpsHosts, GIT_SECRET_NAMES.sshHosts]);

/** Secrets that sign Patchbay's notifications and verify GitHub webhooks: never given to setup. */
export const SERVICE_SECRET_NAMES: ReadonlySet<string> = new Set(["NOTIFY_SECRET", "GITHUB_WEBHOOK_SECRET"]);

/** Environment for host git with the project's credentials; `remove` deletes key files. */
export interface GitCredentials {
  env: Record<string, string>;
  remove(): Promise<void>;
  /** Why a credential the project has was not given for this URL (its host is not bound to it). */
  note?: string;
}

/**
 * One job's project secrets. They go only to host git (clone, push) and to setup commands as
 * environment variables; the agent phase never receives them, and `redact` scrubs them from
 * anything that is stored.
 */
export class JobSecrets {
  static readonly none = new JobSecrets({});
  private readonly redactor: Redactor;

  constructor(private readonly byName: Readonly<Record<string, string>>) {
    this.redactor = new Redactor(this.values());
  }

  /** Loads the project's secrets (none without a source). */
  static async load(source: SecretSource | undefined, projectId: string): Promise<JobSecrets> {
    return source ? new JobSecrets(await source.values(projectId)) : JobSecrets.none;
  }

  /** Every secret value (for the event redaction); host settings are not secret. */
  values(): string[] {
    return Object.entries(this.byName)
      .filter(([name]) => !NOT_SECRET.has(name))
      .map(([, value]) => value);
  }

  /**
   * Environment for setup commands: every secret under its own name, except the ones that sign
   * Patchbay's own traffic (a repository's setup could otherwise forge webhooks).
   */
  setupEnv(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.byName).filter(([name]) => !SERVICE_SECRET_NAMES.has(name)));
  }

  /** The text with every secret value replaced, also in its common encodings (see redact.ts). */
  readonly redact = (text: string): string => this.redactor.redact(text);

  /** A copy of a JSON value (a job's result: check output tails, summary) with every string redacted. */
  redactValue<T>(value: T): T {
    return this.redactor.redactValue(value);
  }

  /** Whether the text holds a secret in any form the redaction knows. */
  contains(text: string): boolean {
    return this.redactor.contains(text);
  }

  /** The patch as it may be stored: secrets redacted, `secretsInPatch` set when it had one. */
  guardPatch(patch: CollectedPatch): CollectedPatch {
    return guardPatch(patch, this.redactor);
  }

  /** The error as a PatchbayError whose message carries no secret. */
  redactError(err: unknown): PatchbayError {
    const e = toPatchbayError(err);
    const message = this.redact(e.message);
    return message === e.message ? e : new PatchbayError(e.code, message, { details: e.details });
  }

  /**
   * Credentials for host git talking to `repoUrl`, only when its host is one the credential is
   * bound to (GIT_HTTPS_HOSTS, GIT_SSH_HOSTS): an https token as an Authorization header scoped
   * to that origin (never in the URL, never on the command line, not sent on after a redirect),
   * or an SSH key in a private temporary file. Otherwise none, with a `note` saying why.
   */
  async gitCredentials(repoUrl: string, tmpParent: string): Promise<GitCredentials> {
    const target = credentialTarget(repoUrl);
    const none = { env: {}, remove: async () => {} };
    if (!target) return none;
    const isHttps = target.scheme === "https";
    const name = isHttps ? GIT_SECRET_NAMES.httpsToken : GIT_SECRET_NAMES.sshKey;
    const hostsName = isHttps ? GIT_SECRET_NAMES.httpsHosts : GIT_SECRET_NAMES.sshHosts;
    const credential = this.byName[name];
    if (!credential) return none;
    if (!hostAllowed(target, parseHosts(this.byName[hostsName]))) {
      const note = `${name} was not used for ${target.host}: that host is not in the project secret ${hostsName} (comma-separated hosts the credential is for)`;
      return { ...none, note };
    }
    return isHttps ? this.httpsCredentials(credential, repoUrl) : this.sshCredentials(credential, tmpParent);
  }

  private httpsCredentials(token: string, repoUrl: string): GitCredentials {
    const user = this.byName[GIT_SECRET_NAMES.httpsUsername] ?? "x-access-token";
    const basic = Buffer.from(`${user}:${token}`).toString("base64");
    const env = {
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: `http.${new URL(repoUrl).origin}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      // A redirect may lead to any host; the header is for this one only.
      GIT_CONFIG_KEY_1: "http.followRedirects",
      GIT_CONFIG_VALUE_1: "false",
    };
    return { env, remove: async () => {} };
  }

  private async sshCredentials(key: string, tmpParent: string): Promise<GitCredentials> {
    const dir = await mkdtemp(path.join(tmpParent, "ssh-"));
    await chmod(dir, 0o700);
    const keyFile = path.join(dir, "id");
    const knownHosts = path.join(dir, "known_hosts");
    await writeFile(keyFile, key.endsWith("\n") ? key : `${key}\n`, { mode: 0o600 });
    const pinned = this.byName[GIT_SECRET_NAMES.sshKnownHosts];
    await writeFile(knownHosts, pinned ?? "", { mode: 0o600 });
    const ssh = [
      "ssh -F /dev/null -o IdentitiesOnly=yes -o BatchMode=yes",
      `-o StrictHostKeyChecking=${pinned ? "yes" : "accept-new"}`,
      `-o UserKnownHostsFile=${shellQuote(knownHosts)} -i ${shellQuote(keyFile)}`,
    ].join(" ");
    return { env: { GIT_SSH_COMMAND: ssh }, remove: () => rm(dir, { recursive: true, force: true }) };
  }
}
