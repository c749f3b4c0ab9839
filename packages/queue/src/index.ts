export * from "./catalog.js";
export * from "./connection.js";
export * from "./job-queue.js";
export * from "./ci-queues.js";
