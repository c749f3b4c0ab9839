import type { ApiClient } from "../api-client.js";
import { CliError } from "../api-client.js";

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError("pipe the secret's value on stdin: `patchbay secrets set NAME --project P < file`");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // A trailing newline from `echo` or a file is not part of the value (SSH keys keep theirs inside).
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * `patchbay secrets set|list|delete`: through the API with an `admin` key; the value is read
 * from stdin (never a flag, so it stays out of shell history and `ps`).
 */
export async function secretsCommand(
  api: ApiClient,
  action: string | undefined,
  name: string | undefined,
  project: string | undefined,
  json = false,
): Promise<number> {
  if (!project) throw new CliError("--project is required (the project of your API key)");
  const base = `/v1/projects/${encodeURIComponent(project)}/secrets`;
  switch (action) {
    case "set": {
      if (!name) throw new CliError("secrets set needs a NAME");
      await api.send("PUT", `${base}/${encodeURIComponent(name)}`, { value: await readStdin() });
      if (json) console.log(JSON.stringify({ name, project, set: true }));
      else console.error(`secret ${name} set for project ${project}`);
      return 0;
    }
    case "list": {
      const res = (await api.send("GET", base)) as { data: Array<{ name: string; updatedAt: string }> };
      if (json) console.log(JSON.stringify(res.data));
      else for (const s of res.data) console.log(`${s.name}  ${s.updatedAt}`);
      return 0;
    }
    case "delete": {
      if (!name) throw new CliError("secrets delete needs a NAME");
      await api.send("DELETE", `${base}/${encodeURIComponent(name)}`);
      if (json) console.log(JSON.stringify({ name, project, deleted: true }));
      return 0;
    }
    default:
      throw new CliError(
        "usage: patchbay secrets set NAME --project P < value | secrets list --project P | secrets delete NAME --project P",
      );
  }
}
