import { describe, expect, it } from 'vitest';
import { ORDER_EVENT_SCHEMA_VERSION, parseOrderEvent } from '#commons/events';

const valid = {
  schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
  type: 'OrderCreated',
  eventId: 'c81e728d9d4c2f636f067f89cc14862c',
  orderId: `ord_${'a'.repeat(32)}`,
  occurredAt: '2026-11-27T10:00:00.000Z',
  correlationId: 'req-1',
};

describe('parseOrderEvent', () => {
  it('accepts a well-formed message', () => {
    expect(parseOrderEvent(JSON.stringify(valid))).toEqual({ ok: true, event: valid });
  });

  it.each([
    ['not JSON', '{"schemaVersion":', 'body is not JSON'],
    [
      'an unknown schema version',
      JSON.stringify({ ...valid, schemaVersion: 2 }),
      'unknown schemaVersion 2',
    ],
    ['no schema version', JSON.stringify({ type: 'OrderCreated' }), 'unknown schemaVersion null'],
    ['an unknown type', JSON.stringify({ ...valid, type: 'OrderShipped' }), 'invalid type'],
    ['a bad order id', JSON.stringify({ ...valid, orderId: 'x' }), 'invalid orderId'],
  ])('rejects %s with a reason', (_case, body, reason) => {
    const result = parseOrderEvent(body);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});
