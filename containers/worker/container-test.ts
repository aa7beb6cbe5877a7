/**
 * `npm run container:test`: builds the worker image and runs it against the emulator.
 *
 * 1. A container engine: `docker info`, else, as root, start a `dockerd` of this run's own
 *    (installing Debian's docker.io first with apt) and stop it at the end. Where none can
 *    start: one line, exit 1.
 * 2. A test base image, made once and cached: a debootstrapped Debian root with this machine's
 *    own Node.js and npm in it, and the CA bundle this machine trusts for HTTPS so that `npm ci`
 *    in the build stage reaches the registry as the host does (`docker import`), since no
 *    registry can be pulled from. The production `FROM` (a digest-pinned node image, no host
 *    CA) stays as it is; the test base comes in as `BASE_IMAGE`.
 * 3. Builds the Dockerfile on it, from a context holding only what the build stage copies.
 * 4. Runs the image (host network) against moto and a warehouse stub: `/healthz` answers, the
 *    process is not root; `docker stop` with messages in flight exits 0 after they finish; and
 *    with messages that cannot finish within the worker's drain, exits 0 having released them
 *    to the queue, visible at once. Prints the image size and each step's time.
 *
 * Not part of `npm test`: it needs root or a running engine, and minutes.
 */

import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '#commons/env-names';
import { startEmulator } from '#local/emulator';
import { ensureEmulatorInstalled } from '#local/emulator-install';
import { LOCAL_STATE_DIR, REPO_ROOT } from '#local/paths';
import { LOCAL_CREDENTIALS, provisionStage } from '#local/provision';
import { startWarehouseStub } from '#local/warehouse-stub';
import { newOrderId, storedOrder } from '#tests/fixtures/orders';
import { WORKER_ENV } from './src/env.ts';

const IMAGE = 'orders-worker:container-test';
/**
 * The certificate authorities this machine trusts for HTTPS (the npm registry may be reached
 * through a TLS-inspecting proxy whose CA only the host knows). They go into the test base only,
 * never into the production image, and the base's tag names their hash so a new bundle makes a
 * new base.
 */
const HOST_CA = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find(
  (path): path is string => Boolean(path && existsSync(path)),
);
const HOST_CA_IN_BASE = '/usr/local/share/ca-certificates/host-ca-bundle.crt';
const caTag = HOST_CA
  ? `-ca${createHash('sha256').update(readFileSync(HOST_CA)).digest('hex').slice(0, 12)}`
  : '';
const BASE = `orders-test-base:node${process.versions.node}-npm${caTag}`;
const started = Date.now();
const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};
const run = (command: string, args: string[], options: { quiet?: boolean } = {}) => {
  const result = spawnSync(command, args, {
    stdio: options.quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  return { ok: result.status === 0, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
};
const timings: string[] = [];
const step = async <T>(label: string, work: () => Promise<T> | T): Promise<T> => {
  const at = Date.now();
  console.log(`== ${label}`);
  const result = await work();
  const line = `${label}: ${((Date.now() - at) / 1000).toFixed(1)} s`;
  console.log(`   ${line}`);
  timings.push(line);
  return result;
};
const engineUp = () => run('docker', ['info'], { quiet: true }).ok;

const isRoot = process.getuid?.() === 0;
const aptInstall = (...packages: string[]) =>
  isRoot &&
  existsSync('/usr/bin/apt-get') &&
  run('apt-get', ['update', '-qq']).ok &&
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]).ok;

await step('Container engine', async () => {
  if (engineUp()) return;
  if (!isRoot)
    fail(
      'No container engine answers (docker info failed): start Docker, or run npm run container:test as root so it can start dockerd, then rerun',
    );
  const hasEngine = () =>
    run('sh', ['-c', 'command -v dockerd && command -v docker'], { quiet: true }).ok;
  if (!hasEngine() && !aptInstall('docker.io'))
    fail(
      'No container engine: install Debian docker.io (apt-get install -y --no-install-recommends docker.io) as root, or start Docker, then rerun npm run container:test',
    );
  // A daemon of this run's own, stopped when the run ends (the image cache stays on disk).
  const daemon = spawn('dockerd', [], { stdio: 'ignore' });
  process.on('exit', () => daemon.kill('SIGTERM'));
  for (let waited = 0; waited < 30_000; waited += 500) {
    if (engineUp()) return;
    if (daemon.exitCode !== null) break;
    await sleep(500);
  }
  fail('dockerd did not start within 30 s: run dockerd by hand to see why, then rerun');
});

await step(`Test base image ${BASE}`, () => {
  if (run('docker', ['image', 'inspect', BASE], { quiet: true }).ok) return;
  if (
    !run('sh', ['-c', 'command -v debootstrap'], { quiet: true }).ok &&
    !aptInstall('debootstrap')
  )
    fail('debootstrap is missing: apt-get install -y debootstrap as root, then rerun');
  const root = join(LOCAL_STATE_DIR, 'container-base');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  if (!run('debootstrap', ['--variant=minbase', 'bookworm', root]).ok)
    fail('debootstrap failed: see its output above');
  cpSync(process.execPath, join(root, 'usr/local/bin/node'));
  // The build stage runs npm ci: the machine's own npm, beside its node.
  const npmDir = join(dirname(dirname(realpathSync(process.execPath))), 'lib/node_modules/npm');
  const npm = existsSync(npmDir) ? npmDir : '/usr/lib/node_modules/npm';
  cpSync(npm, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
  const changes: string[] = [];
  if (HOST_CA) {
    // npm ci in the build stage reaches the registry as this machine does.
    mkdirSync(join(root, dirname(HOST_CA_IN_BASE)), { recursive: true });
    cpSync(HOST_CA, join(root, HOST_CA_IN_BASE));
    changes.push('--change', `ENV NODE_EXTRA_CA_CERTS=${HOST_CA_IN_BASE}`);
  }
  const script = 'tar -C "$0" -c . | docker import "$@"';
  if (!run('sh', ['-c', script, root, ...changes, '-', BASE]).ok)
    fail('docker import of the test base failed: see its output above');
  rmSync(root, { recursive: true, force: true });
});

await step('Build the image', () => {
  const context = mkdtempSync(join(tmpdir(), 'worker-image-'));
  for (const path of [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'functions/commons',
    'containers/worker',
  ])
    cpSync(join(REPO_ROOT, path), join(context, path), { recursive: true });
  rmSync(join(context, 'containers/worker/dist'), { recursive: true, force: true });
  const built = run('docker', [
    'build',
    '--force-rm',
    '--network',
    'host',
    '--build-arg',
    `BASE_IMAGE=${BASE}`,
    '-f',
    join(context, 'containers/worker/Dockerfile'),
    '-t',
    IMAGE,
    context,
  ]);
  rmSync(context, { recursive: true, force: true });
  if (!built.ok) fail('docker build failed: see its output above');
});

await ensureEmulatorInstalled({ log: (line) => console.log(line) });
const emulator = await step('Emulator and dev stage', () => startEmulator());
const warehouse = await startWarehouseStub({ latencyMs: 0 }, { host: '0.0.0.0' });
const containers: string[] = [];
// fail() exits at once, past the finally below: its containers must go too.
const removeContainers = () => {
  for (const name of containers.splice(0)) run('docker', ['rm', '-f', name], { quiet: true });
};
process.on('exit', removeContainers);
try {
  const provisioned = await provisionStage(emulator.endpoint, 'dev');
  const config = {
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  };
  const sqs = new SQSClient(config);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  const table = provisioned.functionEnv[ENV.ordersTable] ?? '';
  const stopTimeoutSeconds = 5;

  /** Starts the image on a queue of its own and waits for `/healthz`. */
  const startContainer = async () => {
    const name = `orders-worker-test-${randomUUID().slice(0, 8)}`;
    const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { QueueUrl: dlqUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-dlq` }),
    );
    const healthPort = 18_080 + Math.floor(Math.random() * 1000);
    const env = {
      [WORKER_ENV.ordersTable]: table,
      [WORKER_ENV.queueUrl]: queueUrl,
      [WORKER_ENV.dlqUrl]: dlqUrl,
      [WORKER_ENV.warehouseUrl]: warehouse.url,
      [WORKER_ENV.warehouseTimeoutMs]: '10000',
      [WORKER_ENV.healthPort]: String(healthPort),
      [WORKER_ENV.waitSeconds]: '1',
      [WORKER_ENV.stopTimeoutSeconds]: String(stopTimeoutSeconds),
      [WORKER_ENV.pollers]: '4',
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const args = ['run', '-d', '--name', name, '--network', 'host', '--stop-timeout', '15'];
    for (const [key, value] of Object.entries(env)) args.push('-e', `${key}=${value}`);
    containers.push(name);
    if (!run('docker', [...args, IMAGE], { quiet: true }).ok) fail('docker run failed');
    for (let waited = 0; ; waited += 200) {
      const ok = await fetch(`http://127.0.0.1:${healthPort}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (waited > 20_000) fail(`/healthz did not answer within 20 s: docker logs ${name}`);
      await sleep(200);
    }
    return { name, queueUrl };
  };

  const statusOf = async (orderId: string) =>
    (
      await documents.send(
        new GetCommand({ TableName: table, Key: { orderId }, ConsistentRead: true }),
      )
    ).Item?.status;

  /**
   * Puts `count` PENDING orders on the container's queue, waits until all are being handled
   * (PROCESSING), then `docker stop`s it. Resolves the seconds it took, the order ids and the
   * messages visible and invisible on the queue afterwards.
   */
  const stopWithMessagesInFlight = async (
    container: { name: string; queueUrl: string },
    count: number,
  ) => {
    const ids = Array.from({ length: count }, newOrderId);
    const now = new Date().toISOString();
    for (const orderId of ids) {
      await documents.send(
        new PutCommand({
          TableName: table,
          Item: storedOrder({ orderId, customerId: 'container-test', createdAt: now }),
        }),
      );
    }
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: container.queueUrl,
        Entries: ids.map((orderId, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify({
            schemaVersion: 1,
            type: 'OrderCreated',
            eventId: randomUUID(),
            orderId,
            occurredAt: now,
          }),
        })),
      }),
    );
    for (let waited = 0; ; waited += 100) {
      const statuses = await Promise.all(ids.map(statusOf));
      if (statuses.every((status) => status === 'PROCESSING')) break;
      if (waited > 20_000) fail('The messages did not get in flight within 20 s');
      await sleep(100);
    }
    const stopAt = Date.now();
    // Asynchronously: the warehouse stub answering the in-flight messages runs in this process.
    await promisify(execFile)('docker', ['stop', container.name]);
    const seconds = (Date.now() - stopAt) / 1000;
    const exitCode = run('docker', ['inspect', '-f', '{{.State.ExitCode}}', container.name], {
      quiet: true,
    }).stdout.trim();
    const logs = () => run('docker', ['logs', '--tail', '40', container.name]);
    if (exitCode !== '0') {
      logs();
      fail(`The container exited with ${exitCode} on SIGTERM, expected 0`);
    }
    if (seconds > 15)
      fail(`docker stop took ${seconds.toFixed(1)} s: the stop timeout (15 s) was hit`);
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: container.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const statuses = await Promise.all(ids.map(statusOf));
    return {
      seconds,
      logs,
      back: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      invisible: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      fulfilled: statuses.filter((status) => status === 'FULFILLED').length,
      reserved: ids.filter((orderId) => warehouse.reservationsOf(orderId) === 1).length,
    };
  };

  const first = await step('Run the container', async () => {
    const container = await startContainer();
    const uid = run('docker', ['exec', container.name, 'node', '-p', 'process.getuid()'], {
      quiet: true,
    }).stdout.trim();
    if (uid === '0' || uid === '')
      fail(`The worker runs as uid '${uid}', expected a non-root user`);
    console.log(`   /healthz 200, uid ${uid}`);
    return container;
  });

  const drain = await step('SIGTERM drains in-flight messages', async () => {
    // Each reservation takes 2 s: in flight when the signal comes, done within the drain.
    warehouse.setConfig({ latencyMs: 2000 });
    const result = await stopWithMessagesInFlight(first, 6);
    if (result.fulfilled !== 6 || result.reserved !== 6 || result.back + result.invisible !== 0) {
      result.logs();
      fail(
        `After SIGTERM: ${result.fulfilled} of 6 fulfilled (${result.reserved} reserved), ${result.back + result.invisible} left on the queue; expected all 6 fulfilled and deleted`,
      );
    }
    console.log(`   exit 0 in ${result.seconds.toFixed(1)} s; 6 of 6 finished and deleted`);
    return result;
  });

  const release = await step('SIGTERM releases what cannot finish in time', async () => {
    // Reservations now outlast the worker's drain: it must give the messages back, visible.
    warehouse.setConfig({ latencyMs: (stopTimeoutSeconds + 3) * 1000 });
    const result = await stopWithMessagesInFlight(await startContainer(), 3);
    if (result.fulfilled !== 0 || result.back !== 3 || result.invisible !== 0) {
      result.logs();
      fail(
        `After SIGTERM: ${result.back} of 3 back on the queue, ${result.invisible} still invisible, ${result.fulfilled} fulfilled; expected all 3 released at once`,
      );
    }
    if (result.seconds < stopTimeoutSeconds)
      fail(
        `docker stop took ${result.seconds.toFixed(1)} s: the worker did not wait for its drain`,
      );
    console.log(
      `   exit 0 in ${result.seconds.toFixed(1)} s; 3 of 3 released back to the queue, visible`,
    );
    return result;
  });

  const sizeOf = (image: string) =>
    Number(
      run('docker', ['image', 'inspect', '-f', '{{.Size}}', image], { quiet: true }).stdout.trim(),
    );
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const size = sizeOf(IMAGE);
  console.log(
    [
      '',
      `Container test passed in ${((Date.now() - started) / 1000).toFixed(0)} s:`,
      `  image ${IMAGE}: ${mib(size)}, of which ${mib(size - sizeOf(BASE))} is the worker (the rest is the local test base ${BASE})`,
      `  /healthz 200 as a non-root user`,
      `  drain: exit 0 in ${drain.seconds.toFixed(1)} s with 6 messages finished`,
      `  release: exit 0 in ${release.seconds.toFixed(1)} s with 3 messages given back (worker drain ${stopTimeoutSeconds} s, container stop timeout 15 s)`,
      ...timings.map((line) => `  ${line}`),
    ].join('\n'),
  );
} finally {
  removeContainers();
  await warehouse.stop();
  await emulator.stop();
}
