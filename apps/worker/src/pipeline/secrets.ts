import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PatchbayError, toPatchbayError } from "@patchbay/core";
import { Redactor } from "./redact.js";

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
} as const;

/** Secrets that sign Patchbay's notifications and verify GitHub webhooks: never given to setup. */
export const SERVICE_SECRET_NAMES: ReadonlySet<string> = new Set(["NOTIFY_SECRET", "GITHUB_WEBHOOK_SECRET"]);

/** Environment for host git with the project's credentials; `remove` deletes key files. */
export interface GitCredentials {
  env: Record<string, string>;
  remove(): Promise<void>;
}

function quote(p: string): string {
  return `'${p.replaceAll("'", "'\\''")}'`;
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
    this.redactor = new Redactor(Object.values(byName));
  }

  /** Loads the project's secrets (none without a source). */
  static async load(source: SecretSource | undefined, projectId: string): Promise<JobSecrets> {
    return source ? new JobSecrets(await source.values(projectId)) : JobSecrets.none;
  }

  /** Every secret value (for the event redaction). */
  values(): string[] {
    return Object.values(this.byName);
  }

  /**
   * Environment for setup commands: every secret under its own name, except the ones that sign
   * Patchbay's own traffic (a repository's setup could otherwise forge webhooks).
   */
  setupEnv(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.byName).filter(([name]) => !SERVICE_SECRET_NAMES.has(name)));
  }

  /** The text with every secret value replaced. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** The error as a PatchbayError whose message carries no secret. */
  redactError(err: unknown): PatchbayError {
    const e = toPatchbayError(err);
    const message = this.redact(e.message);
    return message === e.message ? e : new PatchbayError(e.code, message, { details: e.details });
  }

  /**
   * Credentials for host git talking to `repoUrl`: an https token as an Authorization header
   * scoped to that origin (never in the URL, never on the command line), or an SSH key in a
   * private temporary file.
   */
  async gitCredentials(repoUrl: string, tmpParent: string): Promise<GitCredentials> {
    const token = this.byName[GIT_SECRET_NAMES.httpsToken];
    if (token && repoUrl.startsWith("https://")) {
      const user = this.byName[GIT_SECRET_NAMES.httpsUsername] ?? "x-access-token";
      const basic = Buffer.from(`${user}:${token}`).toString("base64");
      const env = {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: `http.${new URL(repoUrl).origin}/.extraHeader`,
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      };
      return { env, remove: async () => {} };
    }
    const key = this.byName[GIT_SECRET_NAMES.sshKey];
    if (key && !repoUrl.startsWith("https://")) return this.sshCredentials(key, tmpParent);
    return { env: {}, remove: async () => {} };
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
      `-o UserKnownHostsFile=${quote(knownHosts)} -i ${quote(keyFile)}`,
    ].join(" ");
    return { env: { GIT_SSH_COMMAND: ssh }, remove: () => rm(dir, { recursive: true, force: true }) };
  }
}
