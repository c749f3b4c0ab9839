#!/usr/bin/env node
// The package has no build step: register tsx's loader, then run the TypeScript CLI as-is.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
