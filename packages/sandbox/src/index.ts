export { DockerSandboxProvider, type DockerSandboxProviderOptions, poolKey } from "./docker-provider.js";
export { DockerSandbox, type SandboxLogger } from "./docker-sandbox.js";
export { engineIsLocal } from "./engine-location.js";
export { type BuiltImage, DockerEnvironmentImages, ENV_TAR_PATH } from "./environment-images.js";
export {
  INSTALLATION_ID_PATTERN,
  installationFilter,
  installationLabels,
  LABELS,
  type SandboxListing,
  UNSET_INSTALLATION_ID,
} from "./labels.js";
export * from "./reaper.js";
export type { ExecReason } from "./reasons.js";
export { RUNNER_PATHS } from "./runner-door.js";
export type { RunnerOptions } from "./runner-doors.js";
export * from "./sandbox.js";
export type { ShellMode, ShellNoticeListener, ShellTransportKind } from "./shell-pool.js";
export type { SandboxState } from "./state.js";
export { tarDirectory } from "./tar-io.js";
export type { WarmPool } from "./warm-pool.js";
