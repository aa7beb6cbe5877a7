/**
 * The one place load tests build an order body. Add a field the API starts requiring here, and
 * every scenario sends it.
 */

/** SKUs of the sample catalog (`ops/catalog/sample.json`) that are active and priced in EUR. */
export const LOAD_SKUS = ['SKU-1', 'SKU-2', 'SKU-BIG', 'SKU-OTHER'] as const;

/** The delivery contact of every load-test order: fictional (a reserved example.org address, an Ofcom drama number). */
export const LOAD_CONTACT = {
  name: 'Load Tester',
  email: 'load.tester@example.org',
  phone: '+447700900456',
  address: { line1: '2 Load Lane', city: 'Testville', postcode: 'TE5 7AB', country: 'GB' },
};

/** A create-order body for `customerId`: one to three distinct SKUs, quantities 1–3. */
export const orderBody = (customerId: string, random: () => number = Math.random) => {
  const lines = 1 + Math.floor(random() * 3);
  const start = Math.floor(random() * LOAD_SKUS.length);
  const items = Array.from({ length: lines }, (_, index) => ({
    sku: LOAD_SKUS[(start + index) % LOAD_SKUS.length] as string,
    quantity: 1 + Math.floor(random() * 3),
  }));
  return { customerId, currency: 'EUR', items, contact: LOAD_CONTACT };
};
