import { Redis } from "ioredis";

/** A Redis connection suitable for BullMQ (workers need maxRetriesPerRequest: null). */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
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
