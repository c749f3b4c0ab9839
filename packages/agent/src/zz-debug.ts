import { startScriptedModelServer } from "@patchbay/testkit";
import { runAgent } from "./run-agent.js";
import { tempRepo } from "./testing/temp-repo.js";

const server = await startScriptedModelServer({
  scripts: { s: { turns: [{ output: [{ type: "shell_call", call_id: "c", action: { commands: ["cat a.txt"] } }] }, { output: [{ type: "message", content: "done" }] }] } },
});
const repo = await tempRepo({ "a.txt": "hi\n" });
try {
  const out = await runAgent({
    model: "script:s", client: { baseURL: server.url, apiKey: "k", maxRetries: 0, timeoutMs: 5000 },
    workspace: repo.workspace, task: "t", limits: { maxTurns: 5 }, emit: (e) => console.log(JSON.stringify(e)),
  });
  console.log(out);
} catch (e) { console.log("ERR", e); }
console.log(JSON.stringify(server.requests.map(r => [r.path, r.at]), null, 0));
await server.close(); await repo.cleanup();
