import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { type DoorRuntime, endSoon, type Flow, rawResponse, refusalAllowed } from "./flow.js";
import { splitHostPort } from "./target.js";

function refuse(client: Socket, flow: Flow | null, status: number, message: string, rt: DoorRuntime): void {
  endSoon(client, rawResponse(status, message));
  if (flow) rt.end(flow);
}

/**
 * Opens one CONNECT tunnel (`CONNECT host:port`): policy, a vetted connection, `200`, then bytes
 * both ways untouched (no TLS interception, so methods inside are invisible). Half-close passes
 * through; the event is emitted once both sides have closed.
 */
export async function openTunnel(req: IncomingMessage, client: Socket, head: Buffer, rt: DoorRuntime): Promise<void> {
  client.on("error", () => client.destroy());
  const target = splitHostPort(req.url ?? "");
  if (!target || target.port === null) {
    refuse(client, null, 400, "Patchbay egress proxy: CONNECT needs host:port.", rt);
    return;
  }
  const flow = rt.begin(target.host, target.port, null);
  const refusal = rt.check(flow);
  if (refusal) {
    flow.refuse(refusal, false);
    return refuse(client, flow, refusal.status, refusal.message, rt);
  }
  const dialed = await rt.dial(flow.host, flow.port);
  if (!dialed.ok) {
    flow.refuse(dialed, refusalAllowed(dialed));
    return refuse(client, flow, dialed.status, dialed.message, rt);
  }
  if (client.destroyed) {
    dialed.socket.destroy();
    flow.fail("aborted");
    rt.end(flow);
    return;
  }
  splice(client, dialed.socket, head, flow, rt);
}

function splice(client: Socket, upstream: Socket, head: Buffer, flow: Flow, rt: DoorRuntime): void {
  const kill = (reason: Parameters<Flow["fail"]>[0]) => {
    flow.fail(reason);
    client.destroy();
    upstream.destroy();
  };
  flow.kill = kill;
  let open = 2;
  // A socket closes once both of its directions are done (or on error), so the tunnel is over
  // when both have closed; errors and the idle timeout tear down the other side.
  const closed = () => {
    open -= 1;
    if (open === 0) rt.end(flow);
  };
  client.once("close", closed);
  upstream.once("close", closed);
  client.on("error", () => kill("aborted"));
  upstream.on("error", () => kill("aborted"));
  client.setTimeout(rt.idleTimeoutMs, () => kill("idle_timeout"));
  upstream.setTimeout(rt.idleTimeoutMs, () => kill("idle_timeout"));
  client.on("data", (chunk: Buffer) => {
    flow.bytesUp += chunk.length;
  });
  upstream.on("data", (chunk: Buffer) => {
    flow.bytesDown += chunk.length;
  });
  flow.status = 200;
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) {
    flow.bytesUp += head.length;
    upstream.write(head);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}
