export { startWorker, type WorkerHandle } from "./worker.js";
