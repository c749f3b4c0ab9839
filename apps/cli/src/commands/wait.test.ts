import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../api-client.js";
import { waitForJob } from "./wait.js";

const silent = { event: () => undefined, done: () => undefined };
let server: Server | undefined;

/** A loopback API stand-in: the job is running until `finished`, then succeeded. */
function listen(port: number, state: { finished: boolean }): Promise<Server> {
  const s = createServer((req, res) => {
    if (req.url?.includes("/events")) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(); // a stream that ends at once: the client then reads the job
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "j1", status: state.finished ? "succeeded" : "running", phase: null }));
  });
  return new Promise((resolve) => s.listen(port, "127.0.0.1", () => resolve(s)));
}

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe("waitForJob", () => {
  it("rides out an API restart: retries with backoff and returns the job once the API is back", async () => {
    const state = { finished: false };
    server = await listen(0, state);
    const port = (server.address() as AddressInfo).port;
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    const retries: string[] = [];
    const waiting = waitForJob(api, "j1", silent, { baseDelayMs: 50, onRetry: (reason) => retries.push(reason) });
    await new Promise((r) => setTimeout(r, 300));
    server.closeAllConnections();
    server.close();
    await new Promise((r) => setTimeout(r, 1500)); // the API is down for a while
    state.finished = true;
    server = await listen(port, state);
    const job = await waiting;
    expect(job.status).toBe("succeeded");
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toContain("cannot reach the Patchbay API");
  });

  it("gives up once its own timeout has passed", async () => {
    const api = new ApiClient("http://127.0.0.1:9"); // discard port: nothing listens
    await expect(waitForJob(api, "j1", silent, { baseDelayMs: 50, timeoutMs: 400 })).rejects.toThrow(/gave up waiting/);
  });
});
