/**
 * AWS Step Functions, played locally: the emulator stores state machines but does not run their
 * Wait states or call functions in this process. This module reads each
 * `AWS::StepFunctions::StateMachine` of the templates, serves `StartExecution` and
 * `DescribeExecution` on a local endpoint (handlers reach it through `AWS_ENDPOINT_URL_SFN`, so
 * their SDK calls are unchanged), and runs executions: Task states invoke the same handlers
 * in-process, Wait states wait on a compressed clock.
 *
 * Supported Amazon States Language: Task (a function ARN, or `arn:aws:states:::lambda:invoke`
 * with `FunctionName` and `Payload`), Parameters with `.$` paths, ResultSelector, ResultPath,
 * Retry, Choice (BooleanEquals, StringEquals, NumericEquals, IsPresent; And, Or, Not), Wait
 * (Seconds, SecondsPath), Pass, Succeed, Fail. Anything else fails the execution with a message
 * that names it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord, type TemplateResolver } from './template.ts';

type Json = unknown;

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Parameters?: Record<string, Json>;
  readonly ResultSelector?: Record<string, Json>;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly IntervalSeconds?: number;
    readonly MaxAttempts?: number;
    readonly BackoffRate?: number;
  }[];
  readonly Choices?: readonly Record<string, Json>[];
  readonly Default?: string;
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Result?: Json;
  readonly Error?: string;
  readonly Cause?: string;
}

export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
  readonly TimeoutSeconds?: number;
}

export interface StateMachineSpec {
  readonly arn: string;
  readonly name: string;
  readonly definition: StateMachineDefinition;
}

/** Every state machine of the templates, its definition resolved to local ARNs. */
export const readStateMachines = (resolver: TemplateResolver): StateMachineSpec[] =>
  resolver.stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
      .map(([logicalId, resource]) => {
        const props = resource.Properties ?? {};
        const raw = resolver.resolve(stackName, props.DefinitionString ?? props.Definition);
        const definition = (
          typeof raw === 'string' ? JSON.parse(raw) : raw
        ) as StateMachineDefinition;
        return {
          arn: String(resolver.resolve(stackName, { Ref: logicalId })),
          name: resolver.physicalName(stackName, logicalId),
          definition,
        };
      }),
  );

/** `$`, `$.a.b` (the paths the project's definitions use). */
export const readPath = (data: Json, path: string): Json => {
  if (path === '$') return data;
  if (!path.startsWith('$.')) throw new Error(`Unsupported path ${path}`);
  let value: Json = data;
  for (const key of path.slice(2).split('.')) {
    value = isRecord(value) ? value[key] : undefined;
  }
  return value;
};

const writePath = (data: Json, path: string | null | undefined, result: Json): Json => {
  if (path === null) return data;
  if (path === undefined || path === '$') return result;
  if (!path.startsWith('$.')) throw new Error(`Unsupported ResultPath ${path}`);
  const keys = path.slice(2).split('.');
  const root: Record<string, Json> = isRecord(data) ? structuredClone(data) : {};
  let node = root;
  keys.forEach((key, index) => {
    if (index === keys.length - 1) node[key] = result;
    else {
      const child = node[key];
      node[key] = isRecord(child) ? child : {};
      node = node[key] as Record<string, Json>;
    }
  });
  return root;
};

/** A Parameters or ResultSelector template: keys ending in `.$` take their value from a path. */
export const fillTemplate = (template: Json, data: Json): Json => {
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, data));
  if (!isRecord(template)) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') && typeof value === 'string'
        ? [key.slice(0, -2), readPath(data, value)]
        : [key, fillTemplate(value, data)],
    ),
  );
};

const matches = (rule: Record<string, Json>, data: Json): boolean => {
  if (Array.isArray(rule.And))
    return rule.And.every((inner) => matches(inner as Record<string, Json>, data));
  if (Array.isArray(rule.Or))
    return rule.Or.some((inner) => matches(inner as Record<string, Json>, data));
  if (isRecord(rule.Not)) return !matches(rule.Not, data);
  const value = readPath(data, String(rule.Variable));
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('NumericEquals' in rule) return value === rule.NumericEquals;
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  throw new Error(`Unsupported Choice rule ${JSON.stringify(rule)}`);
};

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** States entered, in order: what a test or a person reads to see the path taken. */
  readonly history: string[];
}

export interface LocalStepFunctionsOptions {
  readonly machines: readonly StateMachineSpec[];
  /** Invokes a function by ARN with a payload, in-process, returning its result. */
  readonly invoke: (functionArn: string, payload: Json) => Promise<Json>;
  /** Real milliseconds per state-machine second (Wait states, retry intervals). @default 1000 */
  readonly msPerSecond?: number;
  readonly log?: (line: string) => void;
}

export interface LocalStepFunctions {
  /** Endpoint for `AWS_ENDPOINT_URL_SFN`. */
  readonly url: string;
  readonly executions: ReadonlyMap<string, Execution>;
  /** Settles when every running execution has stopped (for shutdown and tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

class StatesError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs state machines of `options.machines` on a local Step Functions endpoint. */
export const startLocalStepFunctions = async (
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> => {
  const msPerSecond = options.msPerSecond ?? 1000;
  const log = options.log ?? (() => {});
  const machines = new Map(options.machines.map((machine) => [machine.arn, machine]));
  const executions = new Map<string, Execution>();
  const running = new Set<Promise<void>>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  let stopped = false;

  const delay = (seconds: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, seconds * msPerSecond);
      timers.set(timer, resolve);
    });

  const runTask = async (state: State, input: Json): Promise<Json> => {
    const parameters =
      state.Parameters === undefined ? input : fillTemplate(state.Parameters, input);
    const resource = state.Resource ?? '';
    let functionArn: string;
    let payload: Json;
    let wrap = false;
    if (resource.startsWith('arn:aws:lambda:')) {
      functionArn = resource;
      payload = parameters;
    } else if (/^arn:aws:states:::lambda:invoke$/.test(resource) && isRecord(parameters)) {
      functionArn = String(parameters.FunctionName);
      payload = parameters.Payload;
      wrap = true;
    } else {
      throw new StatesError('States.Runtime', `Task resource ${resource} is not played locally`);
    }
    let attempt = 0;
    for (;;) {
      try {
        const result = await options.invoke(functionArn, payload);
        return wrap ? { Payload: result, StatusCode: 200 } : result;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        const retrier = state.Retry?.find(
          (rule) =>
            rule.ErrorEquals.includes(name) ||
            rule.ErrorEquals.includes('States.ALL') ||
            rule.ErrorEquals.includes('States.TaskFailed'),
        );
        if (retrier === undefined || attempt >= (retrier.MaxAttempts ?? 3) || stopped)
          throw new StatesError(name, error instanceof Error ? error.message : String(error));
        await delay((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt);
        attempt += 1;
      }
    }
  };

  const run = async (execution: Execution, definition: StateMachineDefinition): Promise<void> => {
    let data: Json = JSON.parse(execution.input || '{}');
    let name: string | undefined = definition.StartAt;
    try {
      while (name !== undefined && !stopped) {
        const state: State | undefined = definition.States[name];
        if (state === undefined) throw new StatesError('States.Runtime', `No state ${name}`);
        execution.history.push(name);
        let next: string | undefined = state.End ? undefined : state.Next;
        switch (state.Type) {
          case 'Task': {
            let result = await runTask(state, data);
            if (state.ResultSelector) result = fillTemplate(state.ResultSelector, result);
            data = writePath(data, state.ResultPath, result);
            break;
          }
          case 'Pass':
            data = writePath(
              data,
              state.ResultPath,
              state.Result ?? (state.Parameters ? fillTemplate(state.Parameters, data) : data),
            );
            break;
          case 'Wait': {
            const seconds =
              state.Seconds ?? Number(readPath(data, String(state.SecondsPath ?? '$')));
            await delay(seconds);
            break;
          }
          case 'Choice':
            next =
              (state.Choices?.find((rule) => matches(rule, data))?.Next as string | undefined) ??
              state.Default ??
              undefined;
            if (next === undefined)
              throw new StatesError('States.NoChoiceMatched', `No choice of ${name} matched`);
            break;
          case 'Succeed':
            next = undefined;
            break;
          case 'Fail':
            throw new StatesError(state.Error ?? 'States.Fail', state.Cause ?? '');
          default:
            throw new StatesError(
              'States.Runtime',
              `State type ${state.Type} is not played locally`,
            );
        }
        name = next;
      }
      execution.status = stopped ? 'FAILED' : 'SUCCEEDED';
      execution.output = JSON.stringify(data);
    } catch (error) {
      execution.status = 'FAILED';
      execution.error = error instanceof Error ? error.name : 'Error';
      execution.cause = error instanceof Error ? error.message : String(error);
      log(`local Step Functions: ${execution.name} failed: ${execution.error}: ${execution.cause}`);
    }
    execution.stopDate = new Date();
  };

  const reply = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
  const problem = (type: string, message: string) =>
    reply(400, { __type: type, message, Message: message });
  const seconds = (date: Date | undefined) =>
    date === undefined ? undefined : date.getTime() / 1000;

  const operations: Record<
    string,
    (body: Record<string, Json>) => { status: number; body: string }
  > = {
    StartExecution: (body) => {
      const machine = machines.get(String(body.stateMachineArn));
      if (machine === undefined)
        return problem(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
        );
      const name = typeof body.name === 'string' ? body.name : crypto.randomUUID();
      const input = typeof body.input === 'string' ? body.input : '{}';
      const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // As Step Functions does: the same name and input is the same execution.
        return existing.input === input
          ? reply(200, { executionArn, startDate: seconds(existing.startDate) })
          : problem('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const execution: Execution = {
        executionArn,
        stateMachineArn: machine.arn,
        name,
        input,
        startDate: new Date(),
        status: 'RUNNING',
        history: [],
      };
      executions.set(executionArn, execution);
      const done = run(execution, machine.definition).finally(() => running.delete(done));
      running.add(done);
      return reply(200, { executionArn, startDate: seconds(execution.startDate) });
    },
    DescribeExecution: (body) => {
      const execution = executions.get(String(body.executionArn));
      if (execution === undefined)
        return problem(
          'ExecutionDoesNotExist',
          `Execution Does Not Exist: '${String(body.executionArn)}'`,
        );
      return reply(200, {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: seconds(execution.startDate),
        stopDate: seconds(execution.stopDate),
        input: execution.input,
        output: execution.output,
        error: execution.error,
        cause: execution.cause,
      });
    },
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').replace(
        /^AWSStepFunctions\./,
        '',
      );
      const operation = operations[target];
      let answer: { status: number; body: string };
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
          string,
          Json
        >;
        answer = operation
          ? operation(body)
          : problem(
              'UnknownOperationException',
              `${target} is not played by the local Step Functions`,
            );
      } catch (error) {
        answer = problem('SerializationException', String(error));
      }
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    executions,
    idle: async () => {
      await Promise.allSettled([...running]);
    },
    stop: async () => {
      stopped = true;
      // Waiting executions wake up, see `stopped` and end.
      for (const [timer, wake] of timers) {
        clearTimeout(timer);
        wake();
      }
      timers.clear();
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};
