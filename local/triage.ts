/**
 * The triage function, played locally: the emulator runs no Lambda code, so this module does
 * what Lambda would for the template's `lambda`-protocol SNS subscription (the triage function on
 * the page topic) and for asynchronous `Invoke` of that function (the start route).
 *
 * - SNS → Lambda: an emulator SQS queue subscribed to the same topic stands in for the delivery;
 *   each message becomes the SNS event Lambda would pass. A failed invocation is retried once,
 *   then its event and error go to the function's on-failure queue, as the template's
 *   `AWS::Lambda::EventInvokeConfig` says.
 * - Invoke: a small HTTP endpoint speaking Lambda's Invoke API for that one function
 *   (`AWS_ENDPOINT_URL_LAMBDA` points at it); `Event` invocations run in the background.
 *
 * Everything is read from the synthesized template: the subscription, the function's handler
 * file (`orders:triageEntry` metadata), its environment and its failure destination.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SNSEvent } from 'aws-lambda';
import { createLambdaContext } from './lambda-context.ts';
import { REPO_ROOT } from './paths.ts';
import { emulatorClientConfig } from './provision.ts';
import type { StackTemplate, TemplateResolver } from './template.ts';

/** Template metadata naming the triage function's handler file (see cdk/constructs/triage.ts). */
const ENTRY_METADATA = 'orders:triageEntry';
/** Variables the local runtime owns for every handler in the process. */
const NOT_FROM_TEMPLATE = /^(POWERTOOLS_|NODE_OPTIONS$|AWS_)/;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface TriageFunctionSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly functionName: string;
  readonly entry: string;
  /** The function's environment, each variable resolved locally where it can be. */
  readonly environment: Readonly<Record<string, string>>;
  /** Page topic ARNs the function is subscribed to. */
  readonly topicArns: readonly string[];
  /** Queue URL of the on-failure destination, when it has one. */
  readonly onFailureQueueName?: string;
  readonly timeoutSeconds: number;
}

/** The triage function as the templates define it, or undefined when there is none. */
export const readTriageFunction = (
  stacks: readonly StackTemplate[],
  resolver: TemplateResolver,
): TriageFunctionSpec | undefined => {
  for (const { stackName, template } of stacks) {
    const resources = template.Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      const entry = (resource.Metadata as Record<string, unknown> | undefined)?.[ENTRY_METADATA];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof entry !== 'string') continue;
      const isThis = (value: unknown) =>
        JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] });
      const topicArns = Object.values(resources)
        .filter(
          (r) =>
            r.Type === 'AWS::SNS::Subscription' &&
            r.Properties?.Protocol === 'lambda' &&
            isThis(r.Properties?.Endpoint),
        )
        .map((r) => String(resolver.resolve(stackName, r.Properties?.TopicArn)));
      const environment: Record<string, string> = {};
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> }
      )?.Variables;
      for (const [name, raw] of Object.entries(variables ?? {})) {
        if (NOT_FROM_TEMPLATE.test(name)) continue;
        try {
          environment[name] = String(resolver.resolve(stackName, raw));
        } catch {
          // Resources the emulator lacks (the Bedrock Guardrail) resolve to nothing locally.
        }
      }
      const invokeConfig = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::EventInvokeConfig' &&
          JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: logicalId }),
      );
      const destination = (
        invokeConfig?.Properties?.DestinationConfig as
          | { OnFailure?: { Destination?: unknown } }
          | undefined
      )?.OnFailure?.Destination;
      const onFailureArn =
        destination === undefined ? undefined : String(resolver.resolve(stackName, destination));
      return {
        stackName,
        logicalId,
        functionName: resolver.physicalName(stackName, logicalId),
        entry,
        environment,
        topicArns,
        ...(onFailureArn && { onFailureQueueName: onFailureArn.split(':').pop() }),
        timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
      };
    }
  }
  return undefined;
};

export interface LocalTriage {
  readonly functionName: string;
  /** Lambda's Invoke API for the triage function (what `AWS_ENDPOINT_URL_LAMBDA` points at). */
  readonly invokeUrl: string;
  /** Resolves when no invocation is running or waiting in the delivery queue. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartLocalTriageOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly log?: (line: string) => void;
}

/**
 * Starts delivering page-topic notifications and Invoke calls to the triage handler. Set the
 * returned environment (function variables and the Lambda endpoint) before handlers load.
 */
export const prepareLocalTriage = async (
  spec: TriageFunctionSpec,
  options: StartLocalTriageOptions,
): Promise<{ environment: Record<string, string>; start: () => Promise<LocalTriage> }> => {
  let handler: Handler | undefined;
  const log = options.log ?? ((line: string) => console.log(line));
  const running = new Set<Promise<void>>();
  const config = emulatorClientConfig(options.endpoint, options.region);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);

  const invoke = async (event: unknown, source: string): Promise<void> => {
    handler ??= await loadHandler(spec.entry);
    const started = Date.now();
    let lastError: Error | undefined;
    // Lambda retries a failed asynchronous invocation (the template's MaximumRetryAttempts: 1).
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      try {
        await handler(
          event,
          createLambdaContext(spec.functionName, {
            getRemainingTimeInMillis: () => spec.timeoutSeconds * 1000 - (Date.now() - started),
          }),
        );
        log(`triage  ${source} done in ${Date.now() - started} ms`);
        return;
      } catch (error) {
        lastError = error as Error;
      }
    }
    log(`triage  ${source} failed: ${lastError?.name}: ${lastError?.message}`);
    if (spec.onFailureQueueName) {
      const { QueueUrl } = await sqs.send(
        new GetQueueUrlCommand({ QueueName: spec.onFailureQueueName }),
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify({
            requestContext: {
              requestId: randomUUID(),
              condition: 'RetriesExhausted',
              approximateInvokeCount: 2,
            },
            requestPayload: event,
            responsePayload: { errorType: lastError?.name, errorMessage: lastError?.message },
          }),
        }),
      );
    }
  };
  const track = (work: Promise<void>) => {
    const tracked = work.catch((error: Error) => log(`triage  delivery failed: ${error.message}`));
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
  };

  const invokeServer: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
      const name = decodeURIComponent(match?.[1] ?? '');
      if (
        request.method !== 'POST' ||
        !match ||
        !(name === spec.functionName || name.endsWith(`:${spec.functionName}`))
      ) {
        response.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
        return;
      }
      let event: unknown;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        response.writeHead(400, { 'x-amzn-errortype': 'InvalidRequestContentException' });
        response.end(
          JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }),
        );
        return;
      }
      // Only asynchronous invocations are played: that is how the start route calls it.
      track(invoke(event, 'invoke'));
      response.writeHead(202, { 'x-amzn-requestid': randomUUID() });
      response.end();
    });
  });
  await new Promise<void>((resolve) => invokeServer.listen(0, '127.0.0.1', resolve));
  const invokeUrl = `http://127.0.0.1:${(invokeServer.address() as AddressInfo).port}`;

  const start = async (): Promise<LocalTriage> => {
    const queueName = `local-triage-${randomUUID().slice(0, 8)}`;
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const subscriptions: string[] = [];
    for (const topicArn of spec.topicArns) {
      const { SubscriptionArn } = await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          ReturnSubscriptionArn: true,
        }),
      );
      if (SubscriptionArn) subscriptions.push(SubscriptionArn);
    }
    let stopping = false;
    let polling = 0;
    const poll = (async () => {
      while (!stopping) {
        polling += 1;
        try {
          const { Messages } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          );
          for (const message of Messages ?? []) {
            const envelope = JSON.parse(message.Body ?? '{}') as Record<string, string>;
            const event: SNSEvent = {
              Records: [
                {
                  EventSource: 'aws:sns',
                  EventVersion: '1.0',
                  EventSubscriptionArn: `${envelope.TopicArn}:${randomUUID()}`,
                  Sns: {
                    Type: envelope.Type ?? 'Notification',
                    MessageId: envelope.MessageId ?? randomUUID(),
                    TopicArn: envelope.TopicArn ?? '',
                    Subject: envelope.Subject ?? '',
                    Message: envelope.Message ?? '',
                    Timestamp: envelope.Timestamp ?? new Date().toISOString(),
                    SignatureVersion: '1',
                    Signature: '',
                    SigningCertUrl: '',
                    UnsubscribeUrl: '',
                    MessageAttributes: {},
                  },
                },
              ],
            };
            track(invoke(event, 'page'));
            await sqs.send(
              new DeleteMessageCommand({
                QueueUrl: queueUrl,
                ReceiptHandle: message.ReceiptHandle,
              }),
            );
          }
        } catch (error) {
          if (!stopping) log(`triage  polling the page topic failed: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        } finally {
          polling -= 1;
        }
      }
    })();
    return {
      functionName: spec.functionName,
      invokeUrl,
      idle: async () => {
        while (running.size > 0 || polling > 1) await Promise.all([...running]);
      },
      stop: async () => {
        stopping = true;
        await poll;
        await Promise.allSettled([...running]);
        await new Promise<void>((resolve) => invokeServer.close(() => resolve()));
        for (const arn of subscriptions)
          await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })).catch(() => undefined);
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
        sqs.destroy();
        sns.destroy();
      },
    };
  };
  return {
    environment: {
      ...spec.environment,
      AWS_ENDPOINT_URL_LAMBDA: invokeUrl,
      // No network locally: runbooks are read from the repository instead of their raw URL.
      TRIAGE_RUNBOOK_DIR: join(REPO_ROOT, 'runbooks'),
    },
    start,
  };
};

const loadHandler = async (entry: string): Promise<Handler> => {
  const module = (await import(pathToFileURL(join(REPO_ROOT, entry)).href)) as {
    handler?: Handler;
  };
  if (typeof module.handler !== 'function') throw new Error(`${entry} does not export 'handler'`);
  return module.handler;
};
