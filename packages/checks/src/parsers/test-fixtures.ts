import { readFileSync } from "node:fs";

/** Reads a captured runner output from ./fixtures (tests only). */
export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}
