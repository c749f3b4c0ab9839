import Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { engineIsLocal } from "./engine-location.js";

describe("engineIsLocal", () => {
  it("is true for the engine's unix socket and false for one reached over tcp or ssh", () => {
    expect(engineIsLocal(new Dockerode({ socketPath: "/var/run/docker.sock" }))).toBe(true);
    expect(engineIsLocal(new Dockerode({ host: "10.1.2.3", port: 2376, protocol: "https" }))).toBe(false);
    expect(engineIsLocal(new Dockerode({ host: "builder", protocol: "ssh", username: "patchbay" }))).toBe(false);
  });
});
