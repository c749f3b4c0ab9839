import { LocalWorkspace } from "./local-workspace.js";
const ws = new LocalWorkspace("/tmp");
console.log(await ws.exec("echo hi", { timeoutMs: 3000 }));
