export { ModelScriptSchema, parseScript } from "./script-schema.js";
export { startScriptedModelServer } from "./server.js";
export type {
  ModelScript,
  RecordedRequest,
  ScriptError,
  ScriptedModelServer,
  ScriptedModelServerOptions,
  ScriptTurn,
  ScriptUsage,
} from "./types.js";
