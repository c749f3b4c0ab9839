import { loadConfig } from "@patchbay/config";
import { startWorker } from "./worker.js";

const worker = await startWorker(loadConfig());
const stop = async () => {
  await worker.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
