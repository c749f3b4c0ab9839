import type { ApiClient } from "../api-client.js";
import { CliError } from "../api-client.js";

const USAGE =
  "usage: patchbay env show --project P | env allow HOST... --project P | env deny HOST... --project P | " +
  "env set --project P < settings.json | env list --project P | env rm [KEY] --project P";

type Settings = Record<string, unknown> & { allow?: string[] };

/**
 * `patchbay env`: a project's environment settings (allowlist, agent network, its own setup
 * commands and their secrets) and its cached environments. Changing settings needs an admin key.
 */
export async function environmentCommand(
  api: ApiClient,
  positionals: readonly string[],
  project: string | undefined,
  json = false,
): Promise<number> {
  if (!project) throw new CliError("--project is required (the project of your API key)");
  const base = `/v1/projects/${encodeURIComponent(project)}`;
  const [action, ...args] = positionals;
  const print = (value: unknown) => console.log(JSON.stringify(value, null, json ? undefined : 2));
  switch (action) {
    case "show":
      print(await api.send("GET", `${base}/environment`));
      return 0;
    case "allow":
    case "deny": {
      if (args.length === 0)
        throw new CliError(`env ${action} needs at least one HOST (e.g. registry.example.com or *.example.com)`);
      const current = (await api.send("GET", `${base}/environment`)) as Settings;
      const hosts = new Set(current.allow ?? []);
      for (const host of args) action === "allow" ? hosts.add(host.toLowerCase()) : hosts.delete(host.toLowerCase());
      print(await api.send("PUT", `${base}/environment`, { ...current, allow: [...hosts] }));
      return 0;
    }
    case "set":
      print(await api.send("PUT", `${base}/environment`, JSON.parse(await readStdin()) as unknown));
      return 0;
    case "list": {
      const res = (await api.send("GET", `${base}/environments`)) as {
        data: Array<{ key: string; repoUrl: string; sizeBytes: number; hits: number; lastUsedAt: string }>;
      };
      if (json) print(res);
      else
        for (const e of res.data)
          console.log(`${e.key}  ${mb(e.sizeBytes)}  hits ${e.hits}  ${e.lastUsedAt}  ${e.repoUrl}`);
      return 0;
    }
    case "rm": {
      const key = args[0];
      await api.send("DELETE", key ? `${base}/environments/${encodeURIComponent(key)}` : `${base}/environments`);
      if (!json) console.error(key ? `environment ${key} removed` : `every cached environment of ${project} removed`);
      return 0;
    }
    default:
      throw new CliError(USAGE);
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError("pipe the settings as JSON on stdin: patchbay env set --project P < env.json");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
