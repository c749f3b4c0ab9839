import assert from "node:assert/strict";
import { test } from "node:test";
import { retryDelays, toMillis } from "../src/backoff.js";

test("durations written as strings are parsed", () => {
  assert.deepEqual(retryDelays({ initial: "1s", max: "5s", retries: 4 }), [1000, 2000, 4000, 5000]);
});

test("a number is already milliseconds", () => {
  assert.equal(toMillis(1500), 1500);
});

test("numbers and strings mix in one configuration", () => {
  assert.deepEqual(retryDelays({ initial: 250, max: "1s", retries: 4 }), [250, 500, 1000, 1000]);
});

test("anything else is rejected", () => {
  assert.throws(() => toMillis("soon"), RangeError);
  assert.throws(() => toMillis(-5), RangeError);
});
