/** Bounds for free-form JSON a client sends (JobSpec.metadata). */
export const FREE_JSON_LIMITS = { maxDepth: 8, maxBytes: 16_384 } as const;

// With the u flag a surrogate pair is one code point, so only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;
const unstorable = (s: string) => s.includes("\u0000") || LONE_SURROGATE.test(s);

/**
 * The first string in `value` Postgres cannot store (a NUL character or a lone UTF-16
 * surrogate), as a path like `metadata.a.0`; null when there is none. Iterative, so hostile
 * nesting cannot overflow the stack.
 */
export function unstorableStringPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (unstorable(v)) return path || "(body)";
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        const childPath = path ? `${path}.${k}` : k;
        if (unstorable(k)) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}

/** How deeply `value` nests objects and arrays (0 for a scalar); iterative. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    max = Math.max(max, depth + 1);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}
