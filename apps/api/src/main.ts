import { loadConfig } from "@patchbay/config";
import { outageWarnings } from "@patchbay/core";
import { createDb } from "@patchbay/db";
import { createKnowledgeBase } from "@patchbay/knowledge";
import { createRedis, JobQueue } from "@patchbay/queue";
import pino from "pino";
import { createApp } from "./app.js";
import { createHttpServer } from "./server.js";

/** Starts the API server and stops it cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ name: "patchbay-api", level: config.LOG_LEVEL });
  const db = createDb(config.DATABASE_URL);
  const { onRedisError, onPoolError } = outageWarnings(logger);
  const redis = createRedis(config.REDIS_URL, { onError: onRedisError });
  const queue = new JobQueue(config.PATCHBAY_QUEUE, redis);
  const knowledge = createKnowledgeBase(config, { onPoolError });
  const app = createApp({
    db,
    redis,
    queue,
    logger,
    access: {
      rateLimitPerMin: config.PATCHBAY_RATE_LIMIT_PER_MIN,
      projectMaxQueued: config.PATCHBAY_PROJECT_MAX_QUEUED,
      allowFileRepos: config.PATCHBAY_ALLOW_FILE_REPOS,
      allowPrivateRepos: config.PATCHBAY_ALLOW_PRIVATE_REPOS,
      unauthenticatedRateLimitPerMin: config.PATCHBAY_UNAUTHENTICATED_RATE_LIMIT_PER_MIN,
      sandboxMaxMemoryMb: config.PATCHBAY_SANDBOX_MAX_MEMORY_MB,
      sandboxMaxCpus: config.PATCHBAY_SANDBOX_MAX_CPUS,
    },
    ...(config.PATCHBAY_SECRETS_KEY ? { secretsKey: config.PATCHBAY_SECRETS_KEY } : {}),
    ...(config.PATCHBAY_SECRETS_KEY_PREVIOUS ? { secretsKeyPrevious: config.PATCHBAY_SECRETS_KEY_PREVIOUS } : {}),
    knowledge: knowledge.kb,
    maxDocumentBytes: config.PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES,
    githubApiUrl: config.PATCHBAY_GITHUB_API_URL,
  });
  const server = createHttpServer(app, { maxHeaderBytes: config.PATCHBAY_MAX_HEADER_BYTES });
  server.listen(config.PATCHBAY_API_PORT, config.PATCHBAY_API_HOST, () => {
    logger.info({ port: config.PATCHBAY_API_PORT, host: config.PATCHBAY_API_HOST }, "api listening");
  });
  const stop = async () => {
    logger.info("api stopping");
    server.close();
    server.closeAllConnections();
    await queue.close();
    redis.disconnect();
    await db.$disconnect();
    await knowledge.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
