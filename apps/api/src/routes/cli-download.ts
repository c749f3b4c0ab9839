import { open } from "node:fs/promises";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import { type RequestHandler, Router } from "express";

/** Where the bring-up builds the self-contained CLI (apps/cli/scripts/build.mjs). */
export const DEFAULT_CLI_BUNDLE = path.resolve(import.meta.dirname, "../../../cli/dist/patchbay.mjs");

/** The version the bundle's banner names (`// patchbay CLI <version>` on its second line). */
async function bundleVersion(file: string): Promise<string | null> {
  const handle = await open(file, "r").catch(() => null);
  if (!handle) return null;
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(200), 0, 200, 0);
    return /\/\/ patchbay CLI (\S+)/.exec(buffer.subarray(0, bytesRead).toString("utf8"))?.[1] ?? null;
  } finally {
    await handle.close();
  }
}

/**
 * `GET /cli.mjs`: the client CLI as one file for CI runners (`curl -fsSL $PATCHBAY_URL/cli.mjs -o
 * patchbay.mjs && node patchbay.mjs submit …`). No key needed: it holds no secrets. The version it
 * was built with is in `X-Patchbay-Version` (and its banner comment).
 */
export function cliDownloadRouter(options: { bundlePath?: string } = {}): Router {
  const file = options.bundlePath ?? DEFAULT_CLI_BUNDLE;
  const handler: RequestHandler = async (_req, res, next) => {
    const version = await bundleVersion(file);
    if (!version) {
      next(
        new PatchbayError(
          "unavailable",
          "the CLI bundle is not built on this server: run `npm run up` (or `node apps/cli/scripts/build.mjs`)",
        ),
      );
      return;
    }
    res.setHeader("X-Patchbay-Version", version);
    res.setHeader("Content-Disposition", 'attachment; filename="patchbay.mjs"');
    res.sendFile(
      file,
      { headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" } },
      (err) => {
        if (err && !res.headersSent) next(err);
      },
    );
  };
  const router = Router();
  router.get("/cli.mjs", handler);
  return router;
}
