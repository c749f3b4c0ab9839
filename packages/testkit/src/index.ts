export { freePort } from "./child.js";
export { hashedBagOfWordsEmbedding, STAND_IN_DIMENSIONS, STAND_IN_EMBEDDINGS_MODEL } from "./embeddings.js";
export { type GithubRequest, type GithubStandIn, type GithubState, startGithubStandIn } from "./github.js";
export { type NpmPackageSpec, NpmPackageSpecSchema } from "./npm-publish.js";
export { type NpmRegistry, type NpmRegistryOptions, startNpmRegistry } from "./npm-registry.js";
export {
  type PythonIndex,
  type PythonIndexOptions,
  type PythonIndexRequest,
  startPythonIndex,
} from "./python-index.js";
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
export { type BuiltWheel, buildWheel, normalizeProjectName, type PythonPackageSpec } from "./wheel.js";
