import { loadConfig } from "@patchbay/config";
import { createDb } from "@patchbay/db";
import type { Values } from "./client.js";
import { type AdminFlags, keysCommand, projectsCommand, rekeyCommand } from "./commands/keys.js";

/** Help lines of the operator commands (repository CLI only: they open the database). */
export const ADMIN_HELP = `admin (talks to the database, DATABASE_URL; only in the repository CLI, not in /cli.mjs):
  keys create --project P --scopes jobs:read,jobs:write[,admin] [--name N] [--rate-limit PER_MIN]   prints the key once
  keys list [--project P] | keys revoke <prefix>
  projects list | projects limits <project> [--max-running N] [--max-queued N]
  secrets rekey [--project P] after a key rotation (PATCHBAY_SECRETS_KEY new, PATCHBAY_SECRETS_KEY_PREVIOUS old):
                             seal every stored secret with the new key`;

/** Runs an operator command against the database; returns the exit code. */
export async function runAdmin(positionals: string[], values: Values): Promise<number> {
  const [command] = positionals;
  const flags: AdminFlags = {
    ...values,
    rateLimit: values["rate-limit"],
    maxRunning: values["max-running"],
    maxQueued: values["max-queued"],
  };
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, { max: 1 });
  try {
    if (command === "secrets") return await rekeyCommand(db, config, flags);
    const run = command === "keys" ? keysCommand : projectsCommand;
    return await run(db, positionals[1], positionals[2], flags);
  } finally {
    await db.$disconnect();
  }
}
