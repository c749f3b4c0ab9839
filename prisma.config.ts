import path from "node:path";
import { defineConfig } from "prisma/config";

// Prisma's engine download server is unreachable here (and in many air-gapped CIs): point the
// CLI's startup check at a stub so generate/validate/format work offline. Migrations go through
// prisma/migrate-lite.mjs (apply) and prisma/prisma-wasm.mjs (create/check/drift).
// An empty PRISMA_SCHEMA_ENGINE_BINARY restores the normal download on a connected machine.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(import.meta.dirname, "prisma/no-schema-engine.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // not env("DATABASE_URL"): that throws when unset and breaks generate; default = packages/config
    url: process.env.DATABASE_URL || "postgresql://patchbay:patchbay@127.0.0.1:5432/patchbay",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
