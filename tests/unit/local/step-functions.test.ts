import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LocalStepFunctions,
  type StateMachineDefinition,
  startLocalStepFunctions,
} from '#local/step-functions';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:escalation';
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:escalate';
/** The shape the escalation construct writes: page, choose, wait, page. */
const definition: StateMachineDefinition = {
  StartAt: 'PagePrimary',
  States: {
    PagePrimary: {
      Type: 'Task',
      Resource: FN,
      Parameters: { 'incidentId.$': '$.incidentId', tier: 0 },
      ResultPath: '$.result',
      Next: 'StillUnacknowledged',
    },
    StillUnacknowledged: {
      Type: 'Choice',
      Choices: [{ Variable: '$.result.continue', BooleanEquals: true, Next: 'WaitForSecondary' }],
      Default: 'Stopped',
    },
    WaitForSecondary: { Type: 'Wait', Seconds: 900, Next: 'PageSecondary' },
    PageSecondary: {
      Type: 'Task',
      Resource: FN,
      Parameters: { 'incidentId.$': '$.incidentId', tier: 1 },
      ResultPath: '$.result',
      Next: 'Stopped',
    },
    Stopped: { Type: 'Succeed' },
  },
};

let running: LocalStepFunctions | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const start = async (invoke: (arn: string, payload: unknown) => Promise<unknown>) => {
  running = await startLocalStepFunctions({
    machines: [{ arn: ARN, name: 'escalation', definition }],
    invoke,
    msPerSecond: 0.01,
  });
  const client = new SFNClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return { local: running, client };
};

describe('local Step Functions', () => {
  it('runs Task, Choice and compressed Wait states, passing each result on', async () => {
    const calls: unknown[] = [];
    const { local, client } = await start(async (_arn, payload) => {
      calls.push(payload);
      return { continue: true };
    });

    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: ARN,
        name: 'one',
        input: '{"incidentId":"a#t"}',
      }),
    );
    await local.idle();

    const execution = local.executions.get(executionArn ?? '');
    expect(execution?.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      { incidentId: 'a#t', tier: 0 },
      { incidentId: 'a#t', tier: 1 },
    ]);
    expect(execution?.history).toEqual([
      'PagePrimary',
      'StillUnacknowledged',
      'WaitForSecondary',
      'PageSecondary',
      'Stopped',
    ]);
  });

  it('stops at the Choice when the step says escalation is over', async () => {
    const { local, client } = await start(async () => ({ continue: false }));

    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, input: '{"incidentId":"a#t"}' }),
    );
    await local.idle();

    expect(local.executions.get(executionArn ?? '')?.history).toEqual([
      'PagePrimary',
      'StillUnacknowledged',
      'Stopped',
    ]);
  });

  it('treats a repeated name and input as the same execution, and another input as a conflict', async () => {
    let invocations = 0;
    const { local, client } = await start(async () => {
      invocations += 1;
      return { continue: false };
    });
    const input = '{"incidentId":"a#t"}';

    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'same', input }),
    );
    const again = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'same', input }),
    );
    await local.idle();

    expect(again.executionArn).toBe(first.executionArn);
    expect(invocations).toBe(1);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'same', input: '{}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('fails the execution with the error of a failing task', async () => {
    const { local, client } = await start(async () => {
      throw new TypeError('boom');
    });

    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, input: '{"incidentId":"a#t"}' }),
    );
    await local.idle();

    expect(local.executions.get(executionArn ?? '')).toMatchObject({
      status: 'FAILED',
      error: 'TypeError',
      cause: 'boom',
    });
  });
});
