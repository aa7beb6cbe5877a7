/**
 * `npm run bench:worker-startup`: how long the fulfilment worker takes from the start of its
 * process to the first message it receives, beside a bare process that only creates an SQS client
 * and receives (bench/worker/bare-receive.ts), measured in the same run against the emulator.
 *
 * Both run as the container runs them: an esbuild bundle (the worker's own build), `node` on it,
 * with a message already waiting. "Received" is SQS's own record of the message's first receipt
 * (`ApproximateFirstReceiveTimestamp`), read back after the run, so nothing in the worker is
 * changed or instrumented to be measured. Runs alternate worker and bare, BENCH_STARTUP_RUNS each
 * (default 7); the report gives p50 and p90 and the worker's ready time (its "started" log line).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { build } from 'esbuild';
import { buildWorker, WORKER_BUILD_OPTIONS } from '../containers/worker/build.ts';
import { WORKER_ENV } from '../containers/worker/src/env.ts';
import { startEmulator } from '../local/emulator.ts';
import { ensureEmulatorInstalled } from '../local/emulator-install.ts';
import { LOCAL_CREDENTIALS } from '../local/provision.ts';
import { summarize } from './stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'bench/.out/worker-startup');
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 7);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(
    `BENCH_STARTUP_RUNS must be a positive integer, got '${process.env.BENCH_STARTUP_RUNS}'`,
  );

const step = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  process.stderr.write(`[bench:worker-startup] ${label}... `);
  const result = await work();
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
};

/** The bare receiver, bundled with the worker image's own esbuild settings. */
const buildBare = async (): Promise<string> => {
  const outfile = path.join(outDir, 'bare-receive.mjs');
  await build({
    ...WORKER_BUILD_OPTIONS,
    entryPoints: [path.join(repoRoot, 'bench/worker/bare-receive.ts')],
    outfile,
  });
  return outfile;
};

interface Run {
  /** From spawn to SQS's first receipt of the waiting message. */
  readonly toFirstMessageMs: number;
  /** From spawn to the worker's "started" log line (the worker only). */
  readonly toReadyMs?: number;
}

const main = async () => {
  const startedAt = performance.now();
  const load = loadavg();
  await mkdir(outDir, { recursive: true });
  await ensureEmulatorInstalled({ log: (line) => process.stderr.write(`${line}\n`) });
  const emulator = await step('starting the emulator', () => startEmulator());
  try {
    const awsEnv = {
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    Object.assign(process.env, awsEnv);
    const sqs = new SQSClient({ maxAttempts: 1 });
    const [workerFile, bareFile] = await step('bundling the worker and the bare receiver', () =>
      Promise.all([buildWorker(path.join(outDir, 'worker')), buildBare()]),
    );

    /** Starts one process with a message waiting; resolves when it has received it. */
    const once = async (kind: 'worker' | 'bare'): Promise<Run> => {
      const name = `startup-${randomUUID().slice(0, 8)}`;
      const { QueueUrl: queueUrl = '' } = await sqs.send(
        new CreateQueueCommand({ QueueName: name }),
      );
      const { QueueUrl: dlqUrl = '' } = await sqs.send(
        new CreateQueueCommand({ QueueName: `${name}-dlq` }),
      );
      // A well-formed event: the worker reads the order, from a table that does not exist, and
      // leaves the message for a retry, so it stays on the queue to be read back.
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({
            schemaVersion: 1,
            type: 'OrderCreated',
            eventId: randomUUID(),
            orderId: `ord_${'0'.repeat(32)}`,
            occurredAt: new Date().toISOString(),
          }),
        }),
      );
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        ...awsEnv,
        [WORKER_ENV.stage]: 'bench',
        [WORKER_ENV.ordersTable]: `bench-missing-${name}`,
        [WORKER_ENV.queueUrl]: queueUrl,
        [WORKER_ENV.dlqUrl]: dlqUrl,
        [WORKER_ENV.warehouseUrl]: 'http://127.0.0.1:9',
        [WORKER_ENV.healthPort]: '0',
        [WORKER_ENV.retryDelaySeconds]: '0',
        // The shortest hold, so the message is back soon after the process is stopped.
        [WORKER_ENV.visibilitySeconds]: '2',
        [WORKER_ENV.stopTimeoutSeconds]: '1',
        [WORKER_ENV.tracing]: 'false',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'true',
      };
      const spawnedAt = Date.now();
      const spawnedAtHr = performance.now();
      const child = spawn(
        process.execPath,
        ['--enable-source-maps', kind === 'worker' ? workerFile : bareFile],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let toReadyMs: number | undefined;
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${kind} received nothing within 60 s: ${stderr}`)),
          60_000,
        );
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        // Powertools writes warnings and errors to stderr, the rest to stdout.
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on('line', (line) => {
            if (line.includes('Fulfilment worker started'))
              toReadyMs ??= performance.now() - spawnedAtHr;
            // The worker logs the message it could not handle; the bare receiver prints its count.
            if (
              line.includes('"received":1') ||
              line.includes('Unexpected error handling the message')
            )
              finish();
          });
        }
        child.on('exit', (code) => {
          if (kind === 'bare' && code === 0) finish();
          else if (code !== 0 && code !== null)
            reject(new Error(`${kind} exited with ${code}: ${stderr}`));
        });
      });
      try {
        await done;
      } finally {
        child.kill('SIGKILL');
      }
      // SQS's record of the first receipt, read once the message is visible again (both hold it
      // for 2 s).
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MessageSystemAttributeNames: ['ApproximateFirstReceiveTimestamp'],
          AttributeNames: ['All'],
          VisibilityTimeout: 0,
          WaitTimeSeconds: 10,
        }),
      );
      const first = Number(Messages[0]?.Attributes?.ApproximateFirstReceiveTimestamp);
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
      if (!Number.isFinite(first)) throw new Error(`${kind}: no first-receipt time on the message`);
      return { toFirstMessageMs: first - spawnedAt, ...(toReadyMs !== undefined && { toReadyMs }) };
    };

    const runs = { worker: [] as Run[], bare: [] as Run[] };
    for (let round = 1; round <= RUNS; round += 1) {
      runs.worker.push(await step(`round ${round}/${RUNS}: worker`, () => once('worker')));
      runs.bare.push(await step(`round ${round}/${RUNS}: bare receive`, () => once('bare')));
    }
    sqs.destroy();
    const worker = summarize(runs.worker.map((run) => run.toFirstMessageMs));
    const bare = summarize(runs.bare.map((run) => run.toFirstMessageMs));
    const ready = summarize(
      runs.worker.flatMap((run) => (run.toReadyMs === undefined ? [] : [run.toReadyMs])),
    );
    const row = (label: string, s: ReturnType<typeof summarize>) =>
      `| ${label} | ${s.p50.toFixed(0)} | ${s.p90.toFixed(0)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} |`;
    console.log(`# Worker start-up to the first message received

${new Date().toISOString()} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'} · load average ${load.map((n) => n.toFixed(2)).join('/')} at start, ${loadavg()
      .map((n) => n.toFixed(2))
      .join(
        '/',
      )} at end · ${RUNS} runs each, alternating · ${((performance.now() - startedAt) / 1000).toFixed(0)} s

From \`spawn\` of \`node --enable-source-maps <bundle>\` to SQS's first receipt of a message already waiting (ms):

| Process | p50 ms | p90 ms | min ms | max ms |
| --- | ---: | ---: | ---: | ---: |
${row('bare receive (SQS client, one ReceiveMessage)', bare)}
${row('fulfilment worker', worker)}
${row('fulfilment worker: "started" log line (health server up, receive loops starting)', ready)}

The worker takes ${(worker.p50 - bare.p50).toFixed(0)} ms (p50) more than the bare receiver to its first message: ${(worker.p50 / bare.p50).toFixed(2)}×.`);
  } finally {
    await emulator.stop();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(
    `\n[bench:worker-startup] failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
