import assert from "node:assert/strict";
import { test } from "node:test";
import { SHIPPING, subtotal, total } from "../src/cart.js";

test("subtotal multiplies price by quantity", () => {
  assert.equal(
    subtotal([
      { price: 250, quantity: 3 },
      { price: 100, quantity: 1 },
    ]),
    850,
  );
});

test("small orders pay shipping", () => {
  assert.equal(total([{ price: 1000, quantity: 1 }]), 1000 + SHIPPING);
});

test("shipping is free from exactly 50.00", () => {
  assert.equal(total([{ price: 2500, quantity: 2 }]), 5000);
});

test("the discount applies before the free-shipping line is checked", () => {
  // 60.00 with 20% off is 48.00: below 50.00 after the discount, so shipping is charged.
  assert.equal(total([{ price: 6000, quantity: 1 }], 20), 4800 + SHIPPING);
});
