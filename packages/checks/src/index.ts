export { compareChecks } from "./compare.js";
export { detectChecks, inspectRepo, makefileTargets } from "./detect.js";
export {
  cleanOutput,
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
export { resolveChecks } from "./resolve.js";
export { CHECK_ENV, type RunChecksOptions, runChecks } from "./run.js";
export type { CheckCommand, CheckKind, CheckSpec, DetectedChecks, DetectedCommand, RepoFacts } from "./types.js";
