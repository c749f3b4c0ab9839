import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "@patchbay/core";
import { EgressDoor } from "./door.js";
import { SOCKET_NAME } from "./sandbox-env.js";
import { type DialSettings, parseHostMap } from "./target.js";
import type { DoorOptions, EgressLogger } from "./types.js";

export interface EgressProxyOptions {
  /** Where door directories are made (one fresh directory per door). */
  socketRoot: string;
  /** `{"name[:port]": "address[:port]"}`: connect there instead (private addresses allowed for these). */
  hostMap?: Record<string, string>;
  /** Let doors reach loopback/private/link-local addresses (only for a proxy on a trusted private network). */
  allowPrivateAddresses?: boolean;
  logger?: EgressLogger;
  /** Per upstream connection attempt overall (default 10 s). */
  connectTimeoutMs?: number;
  /** A request or tunnel with no bytes either way this long is cut off (default 120 s). */
  idleTimeoutMs?: number;
}

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * The worker's forward proxy. It has no TCP listener at all: each sandbox gets its own door
 * (openDoor), a unix socket in a fresh directory that is bind-mounted into that sandbox only.
 */
export class EgressProxy {
  private readonly doors = new Set<EgressDoor>();
  private readonly dial: DialSettings;
  private closed = false;

  constructor(private readonly options: EgressProxyOptions) {
    this.dial = {
      hostMap: parseHostMap(options.hostMap ?? {}),
      allowPrivateAddresses: options.allowPrivateAddresses ?? false,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
  }

  /** Opens a door for one sandbox; bind-mount `door.hostDir` at SANDBOX_EGRESS.socketDir. */
  async openDoor(options: DoorOptions): Promise<EgressDoor> {
    if (this.closed) throw new PatchbayError("unavailable", "The egress proxy is closed.");
    const hostDir = await this.doorFolder(options);
    try {
      if (join(hostDir, SOCKET_NAME).length > MAX_SOCKET_PATH) {
        throw new PatchbayError(
          "internal",
          `The egress socket path ${join(hostDir, SOCKET_NAME)} is longer than ${MAX_SOCKET_PATH} bytes: use a shorter socketRoot.`,
        );
      }
      // The sandbox's uid must be able to enter the directory (the socket itself is 0666).
      if (!options.folder) await chmod(hostDir, 0o755);
      const door = new EgressDoor(options, hostDir, {
        dial: this.dial,
        idleTimeoutMs: this.options.idleTimeoutMs ?? 120_000,
        logger: this.options.logger,
        onClosed: (d) => this.doors.delete(d),
      });
      await door.listen();
      this.doors.add(door);
      if (this.closed) {
        await door.close();
        throw new PatchbayError("unavailable", "The egress proxy is closed.");
      }
      return door;
    } catch (err) {
      await rm(options.folder ? join(hostDir, SOCKET_NAME) : hostDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The door's folder: the one it is given, or a fresh one under socketRoot. */
  private async doorFolder(options: DoorOptions): Promise<string> {
    if (options.folder) return options.folder;
    const root = this.options.socketRoot;
    await mkdir(root, { recursive: true, mode: 0o755 });
    const safeId = options.id.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 40) || "door";
    return mkdtemp(join(root, `${safeId}-`));
  }

  /** Doors open now. */
  get openDoors(): number {
    return this.doors.size;
  }

  /** Closes every door (each cuts its connections and removes its directory). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.doors].map((door) => door.close()));
  }
}
