/**
 * Cart totals in integer cents.
 * A discount code applies a percentage to the subtotal; shipping is free from 50.00 on.
 */
export const FREE_SHIPPING_FROM = 5000;
export const SHIPPING = 499;

/** Sum of price × quantity over the items, in cents. */
export function subtotal(items) {
  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);
}

/** Total to charge: subtotal minus the discount, plus shipping below the free-shipping line. */
export function total(items, discountPercent = 0) {
  const sub = subtotal(items);
  const discounted = sub - Math.round((sub * discountPercent) / 100);
  const shipping = sub > FREE_SHIPPING_FROM ? 0 : SHIPPING;
  return discounted + shipping;
}
