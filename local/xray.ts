/**
 * X-Ray, played locally where nothing else does it: in AWS, API Gateway starts (or continues) a
 * trace for each request and Lambda hands it to the function as `_X_AMZN_TRACE_ID`; the
 * fulfilment worker's X-Ray SDK sends its segments over UDP to the ADOT collector sidecar, which
 * forwards them to X-Ray. Locally the runtime sets the same variable per invocation, and
 * {@link startXRayDaemon} listens where the collector would and forwards every segment to the
 * emulator's X-Ray (`PutTraceSegments`), so `aws xray batch-get-traces` against the emulator shows
 * the worker's segments under the trace the API request started.
 *
 * The segments are real (the X-Ray SDK's own); the API's side is played: the local runtime opens
 * no segment for API Gateway or Lambda, it only gives the handler the trace header.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { emulatorClientConfig } from './provision.ts';

/** The variable Lambda sets to the invocation's trace header. */
export const TRACE_ENV = '_X_AMZN_TRACE_ID';

/** `Root=1-<8 hex seconds>-<24 hex>;Parent=<16 hex>;Sampled=1`, as API Gateway passes it on. */
const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/** A new trace id, `1-<epoch seconds, hex>-<96 random bits>`. */
export const newTraceId = (now = Date.now()): string =>
  `1-${Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0')}-${randomBytes(12).toString('hex')}`;

/**
 * The trace header a request's function runs with: the caller's `X-Amzn-Trace-Id` root when it
 * sends a valid one (API Gateway continues it), else a new trace; always a new parent id (the
 * segment API Gateway opens) and sampled.
 */
export const traceHeaderFor = (incoming: string | undefined): string => {
  const root = /(?:^|;)\s*Root=([^;]+)/.exec(incoming ?? '')?.[1]?.trim();
  return `Root=${root && ROOT.test(root) ? root : newTraceId()};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
};

/**
 * Runs `invoke` with `_X_AMZN_TRACE_ID` set, as Lambda does for an invocation. The variable is
 * process-wide: two requests served at the same moment by the local runtime can read each
 * other's header (the deployed service runs one invocation per environment at a time).
 */
export const withTraceHeader = <T>(header: string, invoke: () => Promise<T>): Promise<T> => {
  process.env[TRACE_ENV] = header;
  return invoke();
};

export interface XRayDaemon {
  /** `127.0.0.1:<port>`, for `AWS_XRAY_DAEMON_ADDRESS`. */
  readonly address: string;
  /** Segments received, forwarded or not. */
  readonly received: () => number;
  stop(): Promise<void>;
}

/**
 * A UDP listener in place of the X-Ray daemon or ADOT collector: each datagram is the SDK's
 * `{"format":"json","version":1}` header line and one segment document, forwarded as is.
 */
export const startXRayDaemon = async (options: {
  readonly endpoint: string;
  readonly region: string;
  /** Called when forwarding a segment fails. @default console.error */
  readonly onError?: (message: string) => void;
}): Promise<XRayDaemon> => {
  const xray = new XRayClient(emulatorClientConfig(options.endpoint, options.region));
  const onError = options.onError ?? ((message: string) => console.error(message));
  const socket = createSocket('udp4');
  let received = 0;
  const pending = new Set<Promise<unknown>>();
  socket.on('message', (datagram) => {
    const text = datagram.toString('utf8');
    const document = text.slice(text.indexOf('\n') + 1).trim();
    if (!document.startsWith('{')) return;
    received++;
    const sent = xray
      .send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [document] }))
      .catch((error: unknown) =>
        onError(`X-Ray segment not forwarded: ${error instanceof Error ? error.message : error}`),
      )
      .finally(() => pending.delete(sent));
    pending.add(sent);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    received: () => received,
    stop: async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await Promise.allSettled([...pending]);
      xray.destroy();
    },
  };
};
