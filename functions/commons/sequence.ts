import type { MiddlewareObj, Request } from '@middy/core';

type Phase = (request: Request) => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

/**
 * Runs `phases` one after another on `request`, waiting only where a phase returns a promise:
 * when none does, the whole run is synchronous and returns undefined.
 */
const runPhases = (phases: readonly Phase[], request: Request, from = 0): unknown => {
  for (let index = from; index < phases.length; index++) {
    const result = phases[index]?.(request);
    if (isThenable(result)) return result.then(() => runPhases(phases, request, index + 1));
  }
  return undefined;
};

/**
 * Several middlewares as one, in middy's order: `before` in the order given, `after` and
 * `onError` in reverse. The difference is what each step costs: middy awaits every middleware of
 * every phase, and with Tracer on, each await is a promise that X-Ray's async hooks track (about
 * 1.5 µs apiece, see docs/benchmarks.md). Here a step is awaited only when it returns a promise, so
 * a phase of synchronous middlewares (the Powertools ones are) costs middy a single await.
 *
 * The middlewares must not answer early (a `before` that returns a response): their return
 * values are ignored. Middlewares that do, like Powertools idempotency, go to middy directly.
 */
export const sequence = <Event, Result>(
  middlewares: readonly MiddlewareObj<Event, Result>[],
): MiddlewareObj<Event, Result> => {
  const phasesOf = (pick: (middleware: MiddlewareObj<Event, Result>) => unknown): Phase[] =>
    middlewares.map(pick).filter((phase): phase is Phase => typeof phase === 'function');
  const before = phasesOf((middleware) => middleware.before);
  const after = phasesOf((middleware) => middleware.after).reverse();
  const onError = phasesOf((middleware) => middleware.onError).reverse();
  return {
    before: (request) => runPhases(before, request as Request),
    after: (request) => runPhases(after, request as Request),
    onError: (request) => runPhases(onError, request as Request),
  };
};
