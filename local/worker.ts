/**
 * ECS, played locally: runs the fulfilment worker's container command as a child process
 * against the emulator, with the environment of its task definition in the synthesized template
 * (resolved to the local resources), the way `local/runtime.ts` gives handlers their Lambda
 * environment. `stop()` sends SIGTERM, as ECS does, and waits for the drain.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WORKER_CONTAINER } from '../cdk/stacks/worker-stack.ts';
import { WORKER_ENV } from '../containers/worker/src/env.ts';
import { asEmf, type EmfRecord } from './emf.ts';
import { findFreePort } from './emulator.ts';
import { REPO_ROOT } from './paths.ts';
import { LOCAL_CREDENTIALS } from './provision.ts';
import { type StackTemplate, TemplateError, TemplateResolver } from './template.ts';

/** The worker container of a task definition, as the template defines it. */
export interface WorkerTaskSpec {
  readonly stackName: string;
  readonly logicalId: string;
  /** `Environment`, resolved to local names and URLs. */
  readonly environment: Record<string, string>;
  /** `Secrets` by variable name: the SSM parameter (name) each comes from. */
  readonly secrets: Record<string, string>;
  /** `StopTimeout` in seconds (ECS's default is 30). */
  readonly stopTimeoutSeconds: number;
  /** The log group of its `awslogs` log driver, when it has one. */
  readonly logGroup?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The worker container's definition, or undefined when the templates have none. */
export const findWorkerTask = (
  stacks: readonly StackTemplate[],
  endpoint: string,
  region?: string,
): WorkerTaskSpec | undefined => {
  const resolver = new TemplateResolver(stacks, { endpoint, ...(region && { region }) });
  for (const { stackName, template } of stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
      const containers = resource.Properties?.ContainerDefinitions;
      if (!Array.isArray(containers)) continue;
      const container = containers.find(
        (entry: unknown) => isRecord(entry) && entry.Name === WORKER_CONTAINER,
      ) as Record<string, unknown> | undefined;
      if (container === undefined) continue;
      const environment: Record<string, string> = {};
      for (const entry of Array.isArray(container.Environment) ? container.Environment : []) {
        if (!isRecord(entry)) continue;
        const value = resolver.resolve(stackName, entry.Value);
        if (typeof value !== 'string')
          throw new TemplateError(
            `${stackName}.${logicalId}: env ${String(entry.Name)} is not a string`,
          );
        environment[String(entry.Name)] = value;
      }
      const secrets: Record<string, string> = {};
      for (const entry of Array.isArray(container.Secrets) ? container.Secrets : []) {
        if (!isRecord(entry)) continue;
        // ValueFrom is a parameter ARN (…:parameter/name) or a name.
        const from = String(resolver.resolve(stackName, entry.ValueFrom));
        secrets[String(entry.Name)] = from.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/, '');
      }
      const logOptions = isRecord(container.LogConfiguration)
        ? container.LogConfiguration.Options
        : undefined;
      const logGroup = isRecord(logOptions)
        ? resolver.resolve(stackName, logOptions['awslogs-group'])
        : undefined;
      return {
        stackName,
        logicalId,
        environment,
        secrets,
        stopTimeoutSeconds: Number(container.StopTimeout ?? 30),
        ...(typeof logGroup === 'string' && { logGroup }),
      };
    }
  }
  return undefined;
};

export interface LocalWorkerOptions {
  readonly stacks: readonly StackTemplate[];
  readonly endpoint: string;
  readonly region: string;
  /** Replaces the warehouse URL of the SSM parameter (its deployed value is not reachable). */
  readonly warehouseUrl: string;
  /**
   * Variables that replace the task definition's (a test gives the worker a queue of its own).
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Powertools log level of the worker. @default 'WARN' */
  readonly logLevel?: string;
  /** Share of messages logged at DEBUG whatever the level. @default '0' */
  readonly logSampleRate?: string;
  /** Where the worker's log lines go. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Where the worker sends its X-Ray segments (`AWS_XRAY_DAEMON_ADDRESS`), as to the ADOT
   * collector of its task. @default tracing off
   */
  readonly xrayDaemonAddress?: string;
  /** Receives the worker's EMF lines, as CloudWatch does in AWS. @default metrics off */
  readonly onEmf?: (record: EmfRecord) => void;
  /**
   * Receives each JSON log line with the task's log group (its `awslogs` driver), as CloudWatch
   * Logs does in AWS. @default not forwarded
   */
  readonly onLogLine?: (logGroup: string, line: string) => void;
}

export interface LocalWorker {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: `/healthz` and `/readyz`. */
  readonly healthUrl: string;
  /** SIGTERM, then waits for the drain (SIGKILL after the task's stop timeout). Resolves the exit code. */
  stop(): Promise<number | null>;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** Starts the worker of the templates' task definition; waits until `/healthz` answers. */
export const startLocalWorker = async (options: LocalWorkerOptions): Promise<LocalWorker> => {
  const task = findWorkerTask(options.stacks, options.endpoint, options.region);
  if (task === undefined)
    throw new Error(`No task definition with a '${WORKER_CONTAINER}' container in the templates`);
  const unknownSecrets = Object.keys(task.secrets).filter(
    (name) => name !== WORKER_ENV.warehouseUrl,
  );
  if (unknownSecrets.length > 0) {
    throw new Error(
      `The worker task reads ${unknownSecrets.join(', ')} from SSM; local/worker.ts knows only ${WORKER_ENV.warehouseUrl}`,
    );
  }
  const port = await findFreePort();
  const log = options.log ?? ((line: string) => console.log(line));
  const child = spawn(process.execPath, ['--import', 'tsx', 'containers/worker/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...task.environment,
      [WORKER_ENV.warehouseUrl]: options.warehouseUrl,
      ...options.environment,
      [WORKER_ENV.healthPort]: String(port),
      // Ctrl-C gives the whole local runtime 10 s: the worker drains within 5.
      [WORKER_ENV.stopTimeoutSeconds]: '5',
      [WORKER_ENV.tracing]: options.xrayDaemonAddress ? 'true' : 'false',
      ...(options.xrayDaemonAddress && { AWS_XRAY_DAEMON_ADDRESS: options.xrayDaemonAddress }),
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      POWERTOOLS_LOGGER_SAMPLE_RATE: options.logSampleRate ?? '0',
      POWERTOOLS_METRICS_DISABLED: options.onEmf ? 'false' : 'true',
      AWS_ENDPOINT_URL: options.endpoint,
      AWS_REGION: options.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      const emf = options.onEmf && asEmf(line);
      if (emf) {
        options.onEmf?.(emf);
        return;
      }
      if (task.logGroup && line.startsWith('{')) options.onLogLine?.(task.logGroup, line);
      log(`[worker] ${line}`);
    });
  }
  const exit = exited(child);
  const healthUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`The worker exited with ${child.exitCode} at start`);
    const ok = await fetch(`${healthUrl}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('The worker did not answer /healthz within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid ?? 0,
    healthUrl,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), (task.stopTimeoutSeconds + 5) * 1000);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
};
