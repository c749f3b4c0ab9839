export { type CheckoutReader, type PlanSource, readerOf } from "./checkout-reader.js";
export { compareChecks } from "./compare.js";
export { CONFIG_FILE, loadRepoConfig, parseRepoConfig, type RepoConfig, RepoConfigSchema } from "./config-file.js";
export { detectChecks, inspectRepo, makefileTargets } from "./detect.js";
export { HIDDEN_LISTED_MAX, type HiddenRun, judgeHidden } from "./hidden.js";
export { type HiddenTestOptions, runHiddenTests } from "./hidden-run.js";
export { DEFAULT_JUNIT_PATHS, readFreshReports, snapshotReports } from "./junit-reports.js";
export {
  cleanOutput,
  parseAva,
  parseCargoTest,
  parseGoTest,
  parseJest,
  parseJUnitXml,
  parseMocha,
  parseNodeSpec,
  parsePytest,
  parseTap,
  parseTestOutput,
  parseUnittest,
  parseVitest,
  type TestCounts,
  type TestOutputParser,
  type TestReport,
} from "./parsers/index.js";
export { type ListedOutcome, parseTestOutcomes, type TestOutcomes } from "./parsers/outcomes.js";
export { type ChecksPlan, type JobChecksSpec, planChecks } from "./plan.js";
export { VENV_DIR, VENV_PYTHON } from "./python-setup.js";
export {
  type ResolveChecksOptions,
  type ResolvedSetup,
  resolveChecks,
  resolveSetup,
  setupResult,
} from "./resolve.js";
export { CHECK_ENV, type RunChecksOptions, runChecks } from "./run.js";
export {
  classifyTestChanges,
  DEFAULT_TEST_GLOBS,
  type FileChange,
  globToRegExp,
  type TestChanges,
  testMatcher,
} from "./test-files.js";
export type {
  CheckCommand,
  CheckKind,
  CheckSpec,
  CommandSource,
  DetectedCheckCommand,
  DetectedChecks,
  DetectedCommand,
  DetectedSetup,
  RepoFacts,
} from "./types.js";
export { unavailableReason } from "./unavailable.js";
