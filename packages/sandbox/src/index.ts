export * from "./docker-sandbox.js";
export * from "./sandbox.js";
