export { hashedBagOfWordsEmbedding, STAND_IN_DIMENSIONS, STAND_IN_EMBEDDINGS_MODEL } from "./embeddings.js";
export { ModelScriptSchema, parseScript } from "./script-schema.js";
export { startScriptedModelServer } from "./server.js";
export type {
  ModelScript,
  RecordedRequest,
  ScriptError,
  ScriptedModelServer,
  ScriptedModelServerOptions,
  ScriptFault,
  ScriptTurn,
  ScriptUsage,
} from "./types.js";
