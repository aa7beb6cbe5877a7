import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthChecks {
  /** Liveness: the process's loop is running (false once it stops receiving). */
  readonly live: () => boolean;
  /** Readiness: each dependency answers; a rejection marks it failed. */
  readonly ready: Readonly<Record<string, (signal: AbortSignal) => Promise<void>>>;
  /** Deadline of each readiness check. @default 2000 */
  readonly timeoutMs?: number;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /healthz` (liveness: 200 while the worker runs, 503 once it stops receiving) and
 * `GET /readyz` (200 when the queue and the table answer, else 503 naming the failed check).
 * The container HEALTHCHECK and ECS probe `/healthz`: restarting a worker whose dependency is
 * down would not help, so readiness is only reported.
 */
export const startHealthServer = async (
  port: number,
  checks: HealthChecks,
): Promise<HealthServer> => {
  const timeoutMs = checks.timeoutMs ?? 2000;
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (request.method !== 'GET') {
      send(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET', details: [] } });
      return;
    }
    if (path === '/healthz') {
      const live = checks.live();
      send(live ? 200 : 503, { status: live ? 'ok' : 'stopping' });
      return;
    }
    if (path === '/readyz') {
      void (async () => {
        const results: Record<string, { status: 'ok' | 'error'; latencyMs: number }> = {};
        await Promise.all(
          Object.entries(checks.ready).map(async ([name, check]) => {
            const started = performance.now();
            let status: 'ok' | 'error' = 'ok';
            try {
              await check(AbortSignal.timeout(timeoutMs));
            } catch {
              status = 'error';
            }
            results[name] = { status, latencyMs: Math.round(performance.now() - started) };
          }),
        );
        const ok = checks.live() && Object.values(results).every((r) => r.status === 'ok');
        send(ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks: results });
      })();
      return;
    }
    send(404, {
      error: { code: 'NOT_FOUND', message: 'The worker serves /healthz and /readyz', details: [] },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
