import { describe, expect, it } from "vitest";
import { codexConfigToml, codexModel } from "./codex-config.js";

describe("codexConfigToml", () => {
  it("points Codex at the bridge on the Responses API with no key and nothing else reaching out", () => {
    const toml = codexConfigToml({
      model: "gpt-5.3-codex",
      reasoningEffort: "high",
      baseUrl: "http://127.0.0.1:3129/v1",
      retries: 2,
    });
    expect(toml).toContain('model = "gpt-5.3-codex"\nmodel_provider = "patchbay"\nmodel_reasoning_effort = "high"');
    expect(toml).toContain(
      '[model_providers.patchbay]\nname = "Patchbay"\nbase_url = "http://127.0.0.1:3129/v1"\nwire_api = "responses"',
    );
    expect(toml).toContain('web_search = "disabled"');
    expect(toml).toContain("[analytics]\nenabled = false");
    expect(toml).not.toMatch(/env_key|api_key|auth/i);
  });

  it("escapes what would end a TOML string", () => {
    expect(codexConfigToml({ model: 'a"b\\c\nd', baseUrl: "http://x/v1", retries: 1 })).toContain(
      'model = "a\\"b\\\\c\\nd"',
    );
  });
});

describe("codexModel", () => {
  it("drops the responses: prefix and refuses a Chat Completions model", () => {
    expect(codexModel("responses:script:fix")).toBe("script:fix");
    expect(() => codexModel("chat:llama")).toThrow(/only the Responses API/);
  });
});
