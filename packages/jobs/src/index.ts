export { type AdmissionPolicy, QUEUE_FULL_RETRY_SEC, SubmitAdmission } from "./admission.js";
export { type JobJson, toJobJson } from "./job-json.js";
export { DEFAULT_SANDBOX_MAXIMA, type SandboxMaxima, sandboxLimitProblem } from "./sandbox-limits.js";
export { type SubmitDeps, type SubmitRequest, type SubmitResult, submitJob } from "./submit.js";
