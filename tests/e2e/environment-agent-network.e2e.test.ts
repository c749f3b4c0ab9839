import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commitAll,
  networkEvents,
  runJob,
  say,
  setProjectEnvironment,
  shell,
  toolOutputs,
  writeTree,
} from "./env-helpers.js";
import { type Stack, startStack } from "./stack.js";

/** An allowlisted origin and one that is not; the proxy maps both to the same loopback server. */
const WEB_HOST = "web.test";
const OTHER_HOST = "other.test";
const temps: string[] = [];

// Each request goes through $HTTP_PROXY when the sandbox has one, else straight at the bridge's
// port: either way only the proxy could answer.
const PROBE = `python3 - <<'EOF'
import os, urllib.request as u
print("proxy=" + os.environ.get("HTTP_PROXY", "none"))
proxy = os.environ.get("HTTP_PROXY") or "http://127.0.0.1:3128"
opener = u.build_opener(u.ProxyHandler({"http": proxy}))
def go(method, url):
    req = u.Request(url, data=b"x" if method == "POST" else None, method=method)
    try:
        r = opener.open(req, timeout=15)
        print(method, url, "->", r.status, r.read().decode().strip())
    except u.HTTPError as e:
        print(method, url, "->", e.code, e.read().decode().strip().replace("\\n", " "))
    except Exception as e:
        print(method, url, "-> error", type(e).__name__, e)
go("GET", "http://${WEB_HOST}/hello")
go("POST", "http://${WEB_HOST}/hello")
go("GET", "http://${OTHER_HOST}/hello")
EOF`;

const SCRIPTS: Record<string, ModelScript> = {
  probe: {
    turns: [{ output: [shell("ls /run/patchbay/egress 2>&1 || true", PROBE)] }, { output: [say("Probed.")] }],
  },
};

interface Seen {
  method: string;
  host: string;
  url: string;
}

let stack: Stack;
let web: Server;
const seen: Seen[] = [];

beforeAll(async () => {
  web = createServer((req, res) => {
    seen.push({ method: req.method ?? "", host: req.headers.host ?? "", url: req.url ?? "" });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`hello from web (${req.method})\n`);
  });
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  const origin = `127.0.0.1:${(web.address() as AddressInfo).port}`;
  stack = await startStack(SCRIPTS, {
    PATCHBAY_EGRESS_HOST_MAP: JSON.stringify({ [WEB_HOST]: origin, [OTHER_HOST]: origin }),
    PATCHBAY_SANDBOX_POOL_SIZE: "0",
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  web?.closeAllConnections();
  await new Promise((resolve) => web?.close(resolve));
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A repository whose .patchbay.yml setup leaves a marker its test needs (so setup runs and is kept). */
function repo(): string {
  const dir = writeTree(temps, "patchbay-env-agentnet-", {
    ".patchbay.yml": "setup: echo ready > .ready\ntest: test -f .ready\n",
    ".gitignore": ".ready\n",
    "README.md": "probe\n",
  });
  return commitAll(dir);
}

async function probe(url: string) {
  const { job, events } = await runJob(stack, { repo: { url }, task: "Probe the network.", model: "script:probe" });
  expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
  expect(job.result?.checks.before[0]?.passed).toBe(true);
  const output = toolOutputs(events)[0] ?? "";
  return { job, events, output, agentNetwork: networkEvents(events).filter((n) => n.phase === "agent") };
}

describe('agent network: "allowlist" lets the agent GET allowlisted hosts; "off" reaches nothing', () => {
  let url: string;

  it.each([
    ["built", "a freshly built environment"],
    ["hit", "a cached environment"],
  ])(
    "allowlist (%s): GET passes, POST is refused (method), another host is refused",
    async (status) => {
      url ??= repo();
      await setProjectEnvironment(stack, { allow: [WEB_HOST], agentNetwork: "allowlist" });
      const before = seen.length;
      const { job, output, agentNetwork } = await probe(url);
      expect(job.result?.environment?.status).toBe(status);
      expect(output).toContain("proxy=http://127.0.0.1:3128");
      expect(output).toContain("proxy.sock");
      expect(output).toMatch(new RegExp(`GET http://${WEB_HOST}/hello -> 200 hello from web \\(GET\\)`));
      expect(output).toMatch(new RegExp(`POST http://${WEB_HOST}/hello -> 403 .*POST requests are not allowed`));
      expect(output).toMatch(
        new RegExp(`GET http://${OTHER_HOST}/hello -> 403 .*${OTHER_HOST}.*not on this sandbox's allowlist`),
      );
      // Only the allowed GET reached the origin.
      expect(seen.slice(before)).toEqual([{ method: "GET", host: WEB_HOST, url: "/hello" }]);
      expect(agentNetwork).toEqual([
        expect.objectContaining({ host: WEB_HOST, method: "GET", status: 200, allowed: true }),
        expect.objectContaining({
          host: WEB_HOST,
          method: "POST",
          status: 403,
          allowed: false,
          reason: "method_not_allowed",
        }),
        expect.objectContaining({
          host: OTHER_HOST,
          method: "GET",
          status: 403,
          allowed: false,
          reason: "not_allowed",
        }),
      ]);
      expect(job.result?.network).toMatchObject({ allowed: 1, denied: 2, deniedHosts: [WEB_HOST, OTHER_HOST] });
    },
    420_000,
  );

  it("off (the default): no proxy settings, no socket, nothing answers", async () => {
    url ??= repo();
    await setProjectEnvironment(stack, { allow: [WEB_HOST] });
    const before = seen.length;
    const { output, agentNetwork, events } = await probe(url);
    expect(output).toContain("proxy=none");
    expect(output).toMatch(/No such file or directory/);
    expect(output).not.toContain("proxy.sock");
    for (const target of [`GET http://${WEB_HOST}`, `POST http://${WEB_HOST}`, `GET http://${OTHER_HOST}`])
      expect(output).toMatch(new RegExp(`${target}/hello -> error URLError .*Connection refused`));
    expect(seen.length).toBe(before);
    expect(agentNetwork).toEqual([]);
    expect(networkEvents(events)).toEqual([]);
  }, 420_000);
});
