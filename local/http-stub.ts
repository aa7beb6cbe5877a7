/**
 * What the local dependency stubs (pricing, warehouse) share: reading a JSON body, answering
 * JSON, the problem shape they answer errors with, and checking a patch of their faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request body as JSON (`{}` when empty), or undefined when it is not JSON. */
export const readJson = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
};

export const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

export const problem = (code: string, message: string) => ({
  error: { code, message, details: [] },
});

/** The behaviour every dependency stub can be told to show: added latency and a failure rate. */
export interface StubFaults {
  readonly latencyMs: number;
  readonly errorRate: number;
}

/**
 * The `latencyMs` (0–60,000) and `errorRate` (0–1) of a configuration patch, each only when
 * given; undefined when the patch is not an object or either value is out of range.
 */
export const validFaultsPatch = (patch: unknown): Partial<StubFaults> | undefined => {
  if (typeof patch !== 'object' || patch === null) return undefined;
  const { latencyMs, errorRate } = patch as Record<string, unknown>;
  if (
    latencyMs !== undefined &&
    !(typeof latencyMs === 'number' && latencyMs >= 0 && latencyMs <= 60_000)
  )
    return undefined;
  if (
    errorRate !== undefined &&
    !(typeof errorRate === 'number' && errorRate >= 0 && errorRate <= 1)
  )
    return undefined;
  return {
    ...(latencyMs !== undefined && { latencyMs }),
    ...(errorRate !== undefined && { errorRate }),
  };
};
