import { clientMain } from "./client.js";

// The entry of the self-contained CLI (dist/patchbay.mjs, served at GET /cli.mjs): client commands only.
await clientMain(process.argv.slice(2));
