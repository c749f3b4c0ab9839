import type { Queue } from "bullmq";
import { Redis } from "ioredis";

/**
 * A Redis connection suitable for BullMQ (workers need maxRetriesPerRequest: null). ioredis
 * reconnects by itself while Redis is down; `onError` hears each failed attempt (without a
 * listener ioredis prints every one as an unhandled error).
 */
export function createRedis(url: string, options: { onError?: (err: Error) => void } = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  redis.on("error", options.onError ?? (() => {}));
  return redis;
}

/**
 * Silences a BullMQ queue's 'error' events: its connection's own listener (createRedis) already
 * hears them, and unheard BullMQ prints each one to the console.
 */
export function muteQueueErrors(queue: Queue): void {
  queue.on("error", () => {});
}

/** Whether Redis answers PING within the timeout. */
export async function pingRedis(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const ping = redis.ping().then(
    (r) => r === "PONG",
    () => false,
  );
  return Promise.race([ping, timeout]);
}
