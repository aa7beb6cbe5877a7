/**
 * The contract's enumerations and limits, with no validation library: the zod schemas
 * (schemas.ts, which re-exports them) use them, and so can code that runs in a function without
 * loading zod.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'PROCESSING',
  'FULFILLED',
  'CANCELLED',
  'FAILED',
] as const;
export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
export const PRICING_SOURCES = ['quote', 'catalog'] as const;

export const MAX_LINE_ITEMS = 50;
export const MAX_QUANTITY = 1000;
export const MAX_UNIT_PRICE_CENTS = 10_000_000;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
