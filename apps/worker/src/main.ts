import { loadConfig } from "@patchbay/config";
import { startWorker } from "./worker.js";

// Signals are heard from the start: a worker stopped while still starting up (its warm pool
// already filling) must still close, or its containers would outlive it.
const started = startWorker(loadConfig());
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await (await started).close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
await started;
