import { APIConnectionError, APIUserAbortError, BadRequestError, InternalServerError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { classifyModelError, StreamDroppedError } from "./model-errors.js";

const URL = "http://model.test/v1";

describe("classifyModelError", () => {
  it("retries a connection that was never made and ends in model_unreachable with the cause", () => {
    const cause = new Error("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND model.test") });
    const failure = classifyModelError(new APIConnectionError({ cause }), URL);
    expect(failure.kind).toBe("transient");
    expect(failure.error).toMatchObject({
      code: "model_unreachable",
      message:
        "Cannot reach the model endpoint http://model.test/v1: Connection error. (fetch failed; getaddrinfo ENOTFOUND model.test)",
    });
  });

  it("retries 429 with its Retry-After and ends in model_unavailable", () => {
    const headers = new Headers({ "retry-after": "2" });
    const api = new RateLimitError(429, { message: "Rate limit reached", type: "requests" }, undefined, headers);
    const failure = classifyModelError(api, URL);
    expect(failure).toMatchObject({ kind: "transient", retryAfterMs: 2000 });
    expect(failure.error).toMatchObject({ code: "model_unavailable", details: { status: 429 } });
  });

  it("retries 5xx and dropped streams", () => {
    const api = new InternalServerError(503, { message: "overloaded" }, undefined, new Headers());
    expect(classifyModelError(api, URL).kind).toBe("transient");
    const dropped = classifyModelError(new StreamDroppedError("terminated"), URL);
    expect(dropped).toMatchObject({ kind: "transient", error: { code: "model_unavailable" } });
  });

  it("ends at once on a 400 with the provider's message", () => {
    const api = new BadRequestError(400, { message: "Unsupported parameter: 'foo'." }, undefined, new Headers());
    const failure = classifyModelError(api, URL);
    expect(failure.kind).toBe("fatal");
    expect(failure.error).toMatchObject({
      code: "model_error",
      message: "The model endpoint answered 400: Unsupported parameter: 'foo'.",
    });
  });

  it("maps an aborted request to cancelled and leaves other errors alone", () => {
    expect(classifyModelError(new APIUserAbortError(), URL).error).toMatchObject({ code: "cancelled" });
    const bug = new TypeError("x is not a function");
    expect(classifyModelError(bug, URL)).toEqual({ kind: "fatal", error: bug });
  });
});
