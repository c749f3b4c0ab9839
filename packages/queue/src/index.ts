export * from "./catalog.js";
export * from "./ci-queues.js";
export * from "./connection.js";
export * from "./job-queue.js";
