export * from "./errors.js";
export * from "./events.js";
export * from "./job-result.js";
export * from "./job-spec.js";
export * from "./job-status.js";
export * from "./json-hygiene.js";
export * from "./repo-url.js";
export * from "./workspace.js";
