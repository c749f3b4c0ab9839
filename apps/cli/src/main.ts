import { helpRequested, parseCli, quietOnClosedPipe, runClient } from "./client.js";

// The repository CLI: the client commands plus the operator ones. The database code is loaded
// only for an operator command, so the client commands work without a generated Prisma client.
const ADMIN_SUMMARY = `admin (repository CLI only; DATABASE_URL): keys create|list|revoke, projects list|limits, secrets rekey
  (patchbay help keys | projects | rekey)`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv);
  const [command, topic] = positionals;
  const about = command === "help" ? topic : values.help ? command : undefined;
  if (about === "keys" || about === "projects" || about === "rekey") {
    console.log((await import("./admin.js")).ADMIN_HELP);
    return 0;
  }
  const help = helpRequested(positionals, values, ADMIN_SUMMARY);
  if (help !== undefined) return help;
  const isAdmin = command === "keys" || command === "projects" || (command === "secrets" && topic === "rekey");
  if (isAdmin) return (await import("./admin.js")).runAdmin(positionals, values);
  return runClient(positionals, values);
}

quietOnClosedPipe();
try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  console.error(`patchbay: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 3;
}
