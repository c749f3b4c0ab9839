import { z } from "zod";
import { HostRuleSchema } from "./host-rule.js";

/** Methods the agent may use through the proxy with agentNetwork "allowlist", unless the project says otherwise. */
export const DEFAULT_AGENT_METHODS = ["GET", "HEAD", "OPTIONS"] as const;

const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a secret name is letters, digits and _");
const method = z.enum(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]);

/**
 * A project's environment settings (`PUT /v1/projects/:id/environment`, admin only): what setup and
 * the agent may reach, and the setup commands that the project itself defines — the only commands
 * that ever receive secrets.
 */
export const ProjectEnvironmentSchema = z
  .object({
    /** Hosts setup may reach: exact names, host:port, or `*.suffix`. */
    allow: z.array(HostRuleSchema).max(500).default([]),
    /** Also allow the registries the worker host's own npm and pip are configured for. */
    allowHostRegistries: z.boolean().default(true),
    /** "off": the agent phase reaches nothing; "allowlist": the same hosts, with `agentMethods` only on plain http. */
    agentNetwork: z.enum(["off", "allowlist"]).default("off"),
    agentMethods: z
      .array(method)
      .min(1)
      .default([...DEFAULT_AGENT_METHODS]),
    /** Commands run before the repository's own setup; they alone get `setupSecrets`. */
    setup: z.array(z.string().trim().min(1).max(4000)).max(20).default([]),
    /** Names of project secrets given to `setup` as environment variables. */
    setupSecrets: z.array(secretName).max(50).default([]),
    /** How long a cached environment is used, in hours (0: never cache). */
    cacheTtlHours: z.number().min(0).max(720).default(12),
  })
  .strict();

export type ProjectEnvironment = z.output<typeof ProjectEnvironmentSchema>;

/** The settings of a project that never set any. */
export const DEFAULT_PROJECT_ENVIRONMENT: ProjectEnvironment = ProjectEnvironmentSchema.parse({});
