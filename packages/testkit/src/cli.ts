import { parseArgs } from "node:util";
import { startScriptedModelServer } from "./server.js";

const USAGE = `usage: patchbay-scripted-model [--port N] [--host 127.0.0.1] [--scripts DIR]

Serves the OpenAI wire protocol from scripts: model "script:<name>" plays DIR/<name>.json.
Prints "listening <base URL>" once ready; stops on SIGINT/SIGTERM.`;

/** Runs the server from command-line arguments until a signal stops it. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      scripts: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const server = await startScriptedModelServer({ port, host: values.host, scriptsDir: values.scripts });
  // One line on stdout, so that scripts and tests can read the URL and wait for readiness.
  process.stdout.write(`listening ${server.url}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`patchbay-scripted-model: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
