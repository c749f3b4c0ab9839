import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// `docker compose config` needs the compose plugin and images from a registry, which the test
// machines lack; this reads the file as Compose does (anchors resolved) and checks what the
// README promises about it.
const ROOT = path.resolve(import.meta.dirname, "../..");
const text = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(text) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const { services } = compose;

describe("docker-compose.yml", () => {
  it("keeps Postgres in a named volume and Redis append-only in another", () => {
    expect(services.postgres?.volumes).toContain("pgdata:/var/lib/postgresql/data");
    expect(services.redis?.volumes).toContain("redisdata:/data");
    expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(["pgdata", "redisdata"]));
    const redis = services.redis?.command?.join(" ") ?? "";
    expect(redis).toContain("--appendonly yes");
    expect(redis).toContain("--maxmemory-policy noeviction");
  });

  it("refuses to start without a secrets key and gives every app service the same settings", () => {
    for (const name of ["migrate", "api", "worker"]) {
      const env = services[name]?.environment ?? {};
      expect(env.PATCHBAY_SECRETS_KEY, name).toMatch(/^\$\{PATCHBAY_SECRETS_KEY:\?.+\}$/);
      expect(env.DATABASE_URL, name).toContain("@postgres:5432/");
      expect(env.REDIS_URL, name).toBe("redis://redis:6379");
    }
  });

  it("documents the first API key with a command the admin CLI has", () => {
    const documented = /docker compose run --rm api (node apps\/cli\/bin\/patchbay\.mjs keys create [^\n]+)/.exec(text);
    expect(documented).not.toBeNull();
    expect(documented?.[1]).toContain("--scopes jobs:read,jobs:write,admin");
    expect(existsSync(path.join(ROOT, "apps/cli/bin/patchbay.mjs"))).toBe(true);
    expect(readFileSync(path.join(ROOT, "apps/cli/src/admin.ts"), "utf8")).toContain(
      "keys create --project P --scopes",
    );
  });

  it("builds from a Dockerfile whose sources exist, after migrations, with a .dockerignore", () => {
    for (const name of ["migrate", "api", "worker"]) {
      const build = services[name]?.build;
      expect(build && existsSync(path.join(ROOT, build.context, build.dockerfile)), name).toBe(true);
    }
    for (const name of ["api", "worker"]) {
      expect(services[name]?.depends_on?.migrate?.condition).toBe("service_completed_successfully");
    }
    const dockerfile = readFileSync(path.join(ROOT, "docker/app/Dockerfile"), "utf8");
    for (const [, sources] of dockerfile.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const source of sources?.split(" ") ?? []) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    }
    expect(dockerfile).toContain("apps/cli/scripts/build.mjs");
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining([".git", "**/node_modules", "packages/db/src/generated", ".env"]));
  });
});
