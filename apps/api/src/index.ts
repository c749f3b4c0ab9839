export { type AppDeps, createApp } from "./app.js";
export { createHttpServer, type ServerLimits } from "./server.js";
