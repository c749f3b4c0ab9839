import { lookup } from "node:dns/promises";
import { createServer, type Server } from "node:net";
import { hostname } from "node:os";
import { nonPublicAddress } from "@patchbay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, submit, waitTerminal } from "../e2e/stack.js";

// A job's repo.url is fetched by the worker host, which may sit inside a private network: a URL
// naming loopback or private addresses turned the worker into a port scanner (git's errors told
// an open port from a closed one).
let stack: Stack;
let open: Server;
let openPort = 0;
let closedPort = 0;
/** A name (not "localhost") this machine resolves to a loopback or private address: its own host name. */
const localName = hostname();
let nameIsLocal = false;

const listen = async (): Promise<Server> => {
  const server = createServer((socket) => socket.end("HTTP/1.1 200 OK\r\n\r\n"));
  server.listen(0, "0.0.0.0");
  await new Promise((r) => server.once("listening", r));
  return server;
};
const portOf = (s: Server) => (s.address() as { port: number }).port;

beforeAll(async () => {
  stack = await startStack({ look: LOOK });
  open = await listen();
  openPort = portOf(open);
  const closed = await listen();
  closedPort = portOf(closed);
  await new Promise((r) => closed.close(r));
  const addresses = await lookup(localName, { all: true }).catch(() => []);
  nameIsLocal = addresses.length > 0 && addresses.every((a) => nonPublicAddress(a.address) !== null);
});

afterAll(async () => {
  open?.close();
  await stack?.close();
});

const LOOK = {
  turns: [{ output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] }],
};
const job = (url: string) => ({ repo: { url }, task: "look around", model: "script:look" });

describe("repository URLs that reach into the worker's own networks", () => {
  it("are refused at submit when the host is a loopback, private or link-local address, or an option", async () => {
    for (const url of [
      `https://127.0.0.1:${openPort}/r.git`,
      "https://localhost/r.git",
      "https://[::1]/r.git",
      "https://169.254.169.254/latest/meta-data",
      "https://10.0.0.8/r.git",
      "https://2130706433/r.git",
      "git@192.168.1.1:team/r.git",
      "ssh://-oProxyCommand=touch%20/tmp/pwned@git.example.com/r.git",
      "ssh://git@-oProxyCommand=x/r.git",
    ]) {
      const { status, job: body } = await submit(stack.api, job(url));
      expect(status, url).toBe(400);
      expect((body as unknown as { error: { details: Array<{ path: string }> } }).error.details[0]?.path).toBe(
        "repo.url",
      );
    }
  });

  it("are refused by the worker when the name resolves there, with the same words for an open and a closed port", async () => {
    expect(nameIsLocal, `${localName} should resolve to a loopback or private address here`).toBe(true);
    const messages: string[] = [];
    for (const port of [openPort, closedPort]) {
      const url = `https://${localName}:${port}/team/r.git`;
      const { status, job: submitted } = await submit(stack.api, job(url));
      expect(status).toBe(202);
      const done = await waitTerminal(stack.api, submitted.id);
      expect(done.status).toBe("failed");
      expect(done.error?.code).toBe("repo_clone_failed");
      messages.push((done.error?.message ?? "").replace(url, "<url>"));
    }
    expect(messages[0]).toContain("PATCHBAY_ALLOW_PRIVATE_REPOS");
    expect(messages[1]).toBe(messages[0]);
  });
});
