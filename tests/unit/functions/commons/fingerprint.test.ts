import { describe, expect, it } from 'vitest';
import { fingerprintError, normaliseMessage, topFrame } from '#commons/fingerprint';

const errorAt = (message: string, frame: string, name = 'Error'): Error => {
  const error = new Error(message);
  error.name = name;
  error.stack = `${name}: ${message}\n    at ${frame}\n    at Runtime.handler (file:///var/task/index.mjs:1:2)`;
  return error;
};

describe('error fingerprints', () => {
  it('gives the same fingerprint to one error with different ids, numbers and line numbers', () => {
    const first = errorAt(
      'Order ord_0123456789abcdef0123456789abcdef not found after 3 attempts (request 5f0c2b1e-1111-4a4a-9b9b-123456789abc)',
      'OrdersRepository.get (/var/task/functions/commons/orders-repository.ts:61:11)',
    );
    const second = errorAt(
      'Order ord_ffffffffffffffffffffffffffffffff not found after 12 attempts (request 00000000-2222-4b4b-8c8c-cba987654321)',
      'OrdersRepository.get (/var/task/functions/commons/orders-repository.ts:75:3)',
    );

    expect(fingerprintError(first).fingerprint).toBe(fingerprintError(second).fingerprint);
    expect(fingerprintError(first).signature).toBe(
      'Error: Order <orderId> not found after <n> attempts (request <uuid>) @ OrdersRepository.get (orders-repository.ts)',
    );
  });

  it('tells apart errors with another name, message shape or top frame', () => {
    const base = fingerprintError(
      errorAt('timeout after 500 ms', 'quote (pricing.ts:1:1)'),
    ).fingerprint;

    expect(
      fingerprintError(errorAt('timeout after 500 ms', 'quote (pricing.ts:1:1)', 'TimeoutError'))
        .fingerprint,
    ).not.toBe(base);
    expect(
      fingerprintError(errorAt('socket hang up', 'quote (pricing.ts:1:1)')).fingerprint,
    ).not.toBe(base);
    expect(
      fingerprintError(errorAt('timeout after 500 ms', 'get (warehouse.ts:1:1)')).fingerprint,
    ).not.toBe(base);
  });

  it('replaces personal data and addresses in messages', () => {
    expect(
      normaliseMessage(
        'mail to "Jane Doe" <jane.doe@example.com> via https://x.test/a?b=1 from 10.0.0.12:443 failed',
      ),
    ).toBe('mail to <str> <<email>> via <url> from <ip> failed');
  });

  it('reads anonymous and file-only frames', () => {
    expect(topFrame('Error: x\n    at /var/task/index.mjs:10:5')).toBe('<anonymous> (index.mjs)');
    expect(topFrame(undefined)).toBe('unknown');
    expect(fingerprintError('a string').signature).toBe('string: a string @ unknown');
  });
});
