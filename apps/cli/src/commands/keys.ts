import {
  API_SCOPES,
  ApiKeyRepository,
  type ApiScope,
  type Db,
  ProjectRepository,
  SecretRepository,
  secretBoxFrom,
} from "@patchbay/db";
import { CliError } from "../api-client.js";

/** Flags of the admin commands. */
export interface AdminFlags {
  project?: string;
  scopes?: string;
  name?: string;
  rateLimit?: string;
  maxRunning?: string;
  maxQueued?: string;
  json?: boolean;
}

function parseScopes(text: string | undefined): ApiScope[] {
  if (!text) throw new CliError(`--scopes is required: a comma-separated list of ${API_SCOPES.join(", ")}`);
  const scopes = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new CliError(`unknown scope(s) ${unknown.join(", ")}: use ${API_SCOPES.join(", ")}`);
  }
  return scopes as ApiScope[];
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive whole number`);
  return n;
}

const iso = (d: Date | null) => d?.toISOString() ?? "-";

/**
 * `patchbay keys create|list|revoke`: operator commands that talk to the database directly
 * (DATABASE_URL), so the first key can be made without one. The key is printed once, alone on
 * stdout (`KEY=$(patchbay keys create …)`); only its hash is stored.
 */
export async function keysCommand(
  db: Db,
  action: string | undefined,
  arg: string | undefined,
  flags: AdminFlags,
): Promise<number> {
  const keys = new ApiKeyRepository(db);
  switch (action) {
    case "create": {
      if (!flags.project) throw new CliError("--project is required (it is created when it does not exist)");
      const rateLimitPerMin = positiveInt("--rate-limit", flags.rateLimit);
      const { key, record } = await keys
        .create({
          projectId: flags.project,
          scopes: parseScopes(flags.scopes),
          ...(flags.name ? { name: flags.name } : {}),
          ...(rateLimitPerMin ? { rateLimitPerMin } : {}),
        })
        .catch((err: unknown) => {
          throw new CliError(err instanceof Error ? err.message : String(err));
        });
      if (flags.json) console.log(JSON.stringify({ key, ...record }));
      else {
        console.log(key);
        console.error(
          `key ${record.prefix} for project ${record.projectId} (${record.scopes.join(", ")}): shown only now, store it safely`,
        );
      }
      return 0;
    }
    case "list": {
      const list = await keys.list(flags.project);
      if (flags.json) console.log(JSON.stringify(list));
      else {
        console.log("prefix        project  scopes  created  last used  revoked  name");
        for (const k of list) {
          console.log(
            [
              k.prefix,
              k.projectId,
              k.scopes.join(","),
              iso(k.createdAt),
              iso(k.lastUsedAt),
              iso(k.revokedAt),
              k.name ?? "",
            ].join("  "),
          );
        }
      }
      return 0;
    }
    case "revoke": {
      if (!arg) throw new CliError("keys revoke needs the key's prefix (see `patchbay keys list`)");
      if (!(await keys.revoke(arg))) throw new CliError(`no active key with prefix ${arg}`);
      console.error(`key ${arg} revoked; requests with it now get 401`);
      return 0;
    }
    default:
      throw new CliError(
        "usage: patchbay keys create --project P --scopes S[,S] | keys list [--project P] | keys revoke <prefix>",
      );
  }
}

/** `patchbay projects list|limits`: projects and their concurrency and queue limits (database). */
export async function projectsCommand(
  db: Db,
  action: string | undefined,
  arg: string | undefined,
  flags: AdminFlags,
): Promise<number> {
  const projects = new ProjectRepository(db);
  switch (action) {
    case "list": {
      const list = await projects.list();
      if (flags.json) console.log(JSON.stringify(list));
      else
        for (const p of list)
          console.log(
            `${p.id}  max running ${p.maxRunningJobs ?? "default"}  max queued ${p.maxQueuedJobs ?? "default"}`,
          );
      return 0;
    }
    case "limits": {
      if (!arg) throw new CliError("projects limits needs a project id");
      await projects.ensure(arg);
      const maxRunningJobs = positiveInt("--max-running", flags.maxRunning);
      const maxQueuedJobs = positiveInt("--max-queued", flags.maxQueued);
      const p = await projects.setLimits(arg, {
        ...(maxRunningJobs ? { maxRunningJobs } : {}),
        ...(maxQueuedJobs ? { maxQueuedJobs } : {}),
      });
      console.log(`${p.id}  max running ${p.maxRunningJobs ?? "default"}  max queued ${p.maxQueuedJobs ?? "default"}`);
      return 0;
    }
    default:
      throw new CliError(
        "usage: patchbay projects list | projects limits <project> [--max-running N] [--max-queued N]",
      );
  }
}

/**
 * `patchbay secrets rekey`: the last step of rotating PATCHBAY_SECRETS_KEY. With the new key set
 * and the old one as PATCHBAY_SECRETS_KEY_PREVIOUS, every stored secret is sealed again with the
 * new key; afterwards PATCHBAY_SECRETS_KEY_PREVIOUS can go.
 */
export async function rekeyCommand(
  db: Db,
  settings: { PATCHBAY_SECRETS_KEY?: string | undefined; PATCHBAY_SECRETS_KEY_PREVIOUS?: string | undefined },
  flags: AdminFlags,
): Promise<number> {
  const box = secretBoxFrom(settings);
  if (!box) throw new CliError("PATCHBAY_SECRETS_KEY (the new key) is required");
  const outcome = await new SecretRepository(db, box).rekey(flags.project);
  if (flags.json) console.log(JSON.stringify(outcome));
  else console.log(`sealed ${outcome.rekeyed} secret(s) with the current key`);
  if (outcome.failed.length === 0) return 0;
  const names = outcome.failed.join(", ");
  throw new CliError(`${names}: no key opens them; set PATCHBAY_SECRETS_KEY_PREVIOUS to the key they were set with`);
}
