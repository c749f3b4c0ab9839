import type { PatchbayError } from "@patchbay/core";
import { APIConnectionError, APIUserAbortError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { toModelError } from "./model-errors.js";

const URL = "http://model.test/v1";

describe("toModelError", () => {
  it("maps connection failures to model_unreachable with the cause", () => {
    const cause = new Error("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND model.test") });
    const err = toModelError(new APIConnectionError({ cause }), URL) as PatchbayError;
    expect(err.code).toBe("model_unreachable");
    expect(err.message).toBe(
      "Cannot reach the model endpoint http://model.test/v1: Connection error. (fetch failed; getaddrinfo ENOTFOUND model.test)",
    );
  });

  it("maps HTTP errors to model_error with status and message", () => {
    const api = new RateLimitError(429, { message: "Rate limit reached", type: "requests" }, undefined, new Headers());
    const err = toModelError(api, URL) as PatchbayError;
    expect(err.code).toBe("model_error");
    expect(err.retryable).toBe(true);
    expect(err.message).toBe("The model endpoint answered 429: Rate limit reached");
    expect(err.details).toMatchObject({ status: 429, type: "requests" });
  });

  it("maps an aborted request to cancelled and leaves other errors alone", () => {
    expect((toModelError(new APIUserAbortError(), URL) as PatchbayError).code).toBe("cancelled");
    const bug = new TypeError("x is not a function");
    expect(toModelError(bug, URL)).toBe(bug);
  });
});
