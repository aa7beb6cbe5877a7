/**
 * Paging escalation, played locally. In AWS the page topic invokes the on-alarm function, which
 * starts the escalation state machine, whose Task states invoke the escalate function. The
 * emulator can run neither functions nor Wait states, so this module:
 *
 * - finds the functions that carry `incidents:entry` metadata and runs their handlers in-process,
 *   with their template environment resolved to the local resources;
 * - delivers each `lambda` subscription of the templates: a queue subscribed to the topic in the
 *   emulator stands in for SNS's call, and its messages become the SNS events Lambda would get;
 * - plays the state machines (`step-functions.ts`) with a compressed clock: one escalation
 *   minute lasts `minuteMs` (`LOCAL_ESCALATION_MINUTE_MS`, default a real minute).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SNSEvent } from 'aws-lambda';
import { INCIDENT_FUNCTION_METADATA } from '../functions/incidents/notifications.ts';
import { createLambdaContext } from './lambda-context.ts';
import { REPO_ROOT } from './paths.ts';
import { emulatorClientConfig } from './provision.ts';
import {
  type LocalStepFunctions,
  readStateMachines,
  startLocalStepFunctions,
} from './step-functions.ts';
import { isRecord, type TemplateResolver } from './template.ts';

export interface IncidentFunction {
  readonly arn: string;
  readonly functionName: string;
  readonly entry: string;
  readonly timeoutSeconds: number;
  /** Its environment, resolved to local names. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface LambdaSubscription {
  readonly topicArn: string;
  readonly functionArn: string;
}

/** The functions of the templates marked with `incidents:entry`. */
export const readIncidentFunctions = (resolver: TemplateResolver): IncidentFunction[] =>
  resolver.stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::Lambda::Function' &&
          typeof resource.Metadata?.[INCIDENT_FUNCTION_METADATA] === 'string',
      )
      .map(([logicalId, resource]) => {
        const environment_ = resource.Properties?.Environment;
        const variables = isRecord(environment_) ? environment_.Variables : undefined;
        const environment = Object.fromEntries(
          Object.entries(isRecord(variables) ? variables : {}).map(([name, value]) => [
            name,
            String(resolver.resolve(stackName, value)),
          ]),
        );
        return {
          arn: String(resolver.resolve(stackName, { 'Fn::GetAtt': [logicalId, 'Arn'] })),
          functionName: resolver.physicalName(stackName, logicalId),
          entry: String(resource.Metadata?.[INCIDENT_FUNCTION_METADATA]),
          timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
          environment,
        };
      }),
  );

/** Every SNS subscription of a function (`Protocol: lambda`). */
export const readLambdaSubscriptions = (resolver: TemplateResolver): LambdaSubscription[] =>
  resolver.stacks.flatMap(({ stackName, template }) =>
    Object.values(template.Resources ?? {})
      .filter(
        (resource) =>
          resource.Type === 'AWS::SNS::Subscription' && resource.Properties?.Protocol === 'lambda',
      )
      .map((resource) => ({
        topicArn: String(resolver.resolve(stackName, resource.Properties?.TopicArn)),
        functionArn: String(resolver.resolve(stackName, resource.Properties?.Endpoint)),
      })),
  );

/** Variables that differ per function by design and are not the handlers' own settings. */
const PER_FUNCTION = /^(POWERTOOLS_|NODE_OPTIONS$|AWS_)/;

export interface LocalEscalationOptions {
  readonly resolver: TemplateResolver;
  readonly endpoint: string;
  readonly region: string;
  /** Real milliseconds per escalation minute. @default LOCAL_ESCALATION_MINUTE_MS or 60000 */
  readonly minuteMs?: number;
  readonly log?: (line: string) => void;
}

export interface LocalEscalation {
  /** Variables the incident functions need in the process, to set before `start()`. */
  readonly env: Readonly<Record<string, string>>;
  readonly stepFunctions: LocalStepFunctions;
  readonly minuteMs: number;
  /** Loads the handlers (the environment must be set) and starts delivering notifications. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Reads the escalation from the templates and starts its local Step Functions endpoint. */
export const prepareLocalEscalation = async (
  options: LocalEscalationOptions,
): Promise<LocalEscalation> => {
  const minuteMs = options.minuteMs ?? Number(process.env.LOCAL_ESCALATION_MINUTE_MS ?? 60_000);
  if (!Number.isFinite(minuteMs) || minuteMs <= 0)
    throw new Error(
      `LOCAL_ESCALATION_MINUTE_MS must be a positive number of milliseconds, got '${process.env.LOCAL_ESCALATION_MINUTE_MS}'`,
    );
  const log = options.log ?? ((line: string) => console.error(line));
  const functions = readIncidentFunctions(options.resolver);
  // Only the incident functions' subscriptions: other modules play other functions' deliveries
  // (local/triage.ts the triage function's).
  const subscriptions = readLambdaSubscriptions(options.resolver).filter((subscription) =>
    functions.some((fn) => fn.arn === subscription.functionArn),
  );
  const handlers = new Map<string, Handler>();

  const invoke = async (functionArn: string, payload: unknown): Promise<unknown> => {
    const fn = functions.find((candidate) => candidate.arn === functionArn);
    const handler = handlers.get(functionArn);
    if (fn === undefined || handler === undefined)
      throw new Error(`Function ${functionArn} is not run locally (no incidents:entry metadata)`);
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    return handler(
      payload,
      createLambdaContext(fn.functionName, {
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      }),
    );
  };

  const stepFunctions = await startLocalStepFunctions({
    machines: readStateMachines(options.resolver),
    invoke,
    msPerSecond: minuteMs / 60,
    log,
  });

  const env: Record<string, string> = { AWS_ENDPOINT_URL_SFN: stepFunctions.url };
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (PER_FUNCTION.test(name)) continue;
      if (env[name] !== undefined && env[name] !== value)
        throw new Error(
          `Environment variable ${name} differs between the incident functions ('${env[name]}', '${value}'); the local runtime runs them in one process and needs one value`,
        );
      env[name] = value;
    }
  }

  const config = emulatorClientConfig(options.endpoint, options.region);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  let polling = true;
  const loops: Promise<void>[] = [];

  const deliver = async (subscription: LambdaSubscription) => {
    const name = `local-sns-lambda-${createHash('sha256')
      .update(`${subscription.topicArn} ${subscription.functionArn}`)
      .digest('hex')
      .slice(0, 16)}`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '5' } }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: subscription.topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        ReturnSubscriptionArn: true,
      }),
    );
    loops.push(
      (async () => {
        while (polling) {
          try {
            const { Messages } = await sqs.send(
              new ReceiveMessageCommand({
                QueueUrl,
                MaxNumberOfMessages: 10,
                WaitTimeSeconds: 1,
                MessageSystemAttributeNames: ['ApproximateReceiveCount'],
              }),
            );
            for (const message of Messages ?? []) {
              const envelope = JSON.parse(message.Body ?? '{}') as Record<string, unknown>;
              const event: SNSEvent = {
                Records: [
                  {
                    EventSource: 'aws:sns',
                    EventVersion: '1.0',
                    EventSubscriptionArn: SubscriptionArn ?? subscription.topicArn,
                    Sns: {
                      Type: String(envelope.Type ?? 'Notification'),
                      MessageId: String(envelope.MessageId ?? message.MessageId),
                      TopicArn: String(envelope.TopicArn ?? subscription.topicArn),
                      Subject: (envelope.Subject as string | undefined) ?? '',
                      Message: String(envelope.Message ?? ''),
                      Timestamp: String(envelope.Timestamp ?? new Date().toISOString()),
                      SignatureVersion: String(envelope.SignatureVersion ?? '1'),
                      Signature: String(envelope.Signature ?? ''),
                      SigningCertUrl: String(envelope.SigningCertURL ?? ''),
                      UnsubscribeUrl: String(envelope.UnsubscribeURL ?? ''),
                      MessageAttributes: {},
                    },
                  },
                ],
              };
              const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
              try {
                await invoke(subscription.functionArn, event);
              } catch (error) {
                // Lambda retries an asynchronous event twice, then drops it (or sends it to a DLQ).
                log(
                  `local escalation: ${subscription.functionArn} failed on attempt ${receives}: ${String(error)}`,
                );
                if (receives < 3) continue;
              }
              await sqs.send(
                new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }),
              );
            }
          } catch (error) {
            if (polling) log(`local escalation: receive failed: ${String(error)}`);
          }
        }
      })(),
    );
  };

  return {
    env,
    stepFunctions,
    minuteMs,
    start: async () => {
      for (const fn of functions) {
        const file = join(REPO_ROOT, fn.entry);
        if (!existsSync(file))
          throw new Error(`Incident function ${fn.functionName}: ${fn.entry} does not exist`);
        const module = (await import(pathToFileURL(file).href)) as { handler?: Handler };
        if (typeof module.handler !== 'function')
          throw new Error(`${fn.entry} does not export handler`);
        handlers.set(fn.arn, module.handler);
      }
      for (const subscription of subscriptions) await deliver(subscription);
    },
    stop: async () => {
      polling = false;
      await Promise.allSettled(loops);
      await stepFunctions.stop();
      sqs.destroy();
      sns.destroy();
    },
  };
};
