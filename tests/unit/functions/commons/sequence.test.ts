import middy, { type MiddlewareObj } from '@middy/core';
import { describe, expect, it } from 'vitest';
import { sequence } from '#commons/sequence';

/** A middleware that records each phase it runs in, synchronously or after a tick. */
const recorder = (name: string, seen: string[], async = false): MiddlewareObj => {
  const record = (phase: string) => () => {
    if (!async) {
      seen.push(`${name}.${phase}`);
      return undefined;
    }
    return Promise.resolve().then(() => {
      seen.push(`${name}.${phase}`);
    });
  };
  return { before: record('before'), after: record('after'), onError: record('onError') };
};

const run = async (middlewares: MiddlewareObj[], handler: () => Promise<unknown>) => {
  const lambda = middy(handler).use(middlewares);
  const folded = middy(handler).use(sequence(middlewares));
  const outcome = async (fn: typeof lambda) => {
    try {
      return { response: await fn({}, {} as never) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  return { middy: await outcome(lambda), sequence: await outcome(folded) };
};

describe('sequence: several middlewares as one, in middy order', () => {
  it('runs before in order and after in reverse, as middy does, waiting on async steps', async () => {
    const viaMiddy: string[] = [];
    const viaSequence: string[] = [];
    const build = (seen: string[]) => [
      recorder('a', seen),
      recorder('b', seen, true),
      recorder('c', seen),
    ];

    await middy(async () => 'ok').use(build(viaMiddy))({}, {} as never);
    const response = await middy(async () => 'ok').use(sequence(build(viaSequence)))(
      {},
      {} as never,
    );

    expect(response).toBe('ok');
    expect(viaSequence).toEqual([
      'a.before',
      'b.before',
      'c.before',
      'c.after',
      'b.after',
      'a.after',
    ]);
    expect(viaSequence).toEqual(viaMiddy);
  });

  it('runs onError in reverse and lets an error mapper set the response, as middy does', async () => {
    const seen: string[] = [];
    const mapper: MiddlewareObj = {
      onError: (request) => {
        seen.push('mapper.onError');
        request.response = { statusCode: 500 };
      },
    };

    const outcomes = await run(
      [recorder('outer', seen), mapper, recorder('inner', seen, true)],
      () => Promise.reject(new Error('boom')),
    );

    expect(outcomes.sequence).toEqual({ response: { statusCode: 500 } });
    expect(outcomes.sequence).toEqual(outcomes.middy);
    expect(seen.filter((step) => step.endsWith('onError'))).toEqual([
      'inner.onError',
      'mapper.onError',
      'outer.onError',
      'inner.onError',
      'mapper.onError',
      'outer.onError',
    ]);
  });

  it('stops at a before that throws and skips the handler, as middy does', async () => {
    const seen: string[] = [];
    const refuse: MiddlewareObj = {
      before: () => {
        throw new Error('refused');
      },
    };
    const handler = async () => {
      seen.push('handler');
      return 'ok';
    };

    const outcomes = await run([recorder('a', seen), refuse, recorder('b', seen)], handler);

    expect(outcomes.sequence).toEqual({ error: 'refused' });
    expect(outcomes.middy).toEqual({ error: 'refused' });
    expect(seen).not.toContain('handler');
    expect(seen).not.toContain('b.before');
  });

  it('returns no promise from a phase whose middlewares are all synchronous', () => {
    const seen: string[] = [];
    const folded = sequence([recorder('a', seen), recorder('b', seen)]);
    const request = { event: {}, context: {}, response: null, error: null, internal: {} };

    expect(folded.before?.(request as never)).toBeUndefined();
    expect(folded.after?.(request as never)).toBeUndefined();
    expect(seen).toEqual(['a.before', 'b.before', 'b.after', 'a.after']);
    const withAsync = sequence([recorder('a', seen), recorder('c', seen, true)]);
    expect(withAsync.before?.(request as never)).toBeInstanceOf(Promise);
  });
});
