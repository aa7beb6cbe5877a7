import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { REPORT_TOOL_NAME } from './output.ts';

/**
 * One Converse call with the operational limits triage needs: retries with exponential backoff
 * and jitter on throttling and transient errors, all within a total deadline (an aborted call
 * counts against it too). It never throws: the outcome says what happened, and triage falls back
 * to the baseline hypotheses on anything but `ok`.
 */

export type ModelOutcome =
  | 'ok'
  | 'malformed'
  | 'guardrail-intervened'
  | 'throttled'
  | 'timed-out'
  | 'error'
  | 'disabled';

export interface ModelResult {
  readonly outcome: ModelOutcome;
  /** The report tool's input, when the model called it. */
  readonly toolInput?: unknown;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly attempts: number;
  readonly ms: number;
  /** One line on what went wrong (error name and message, never a stack). */
  readonly note?: string;
}

export interface CallOptions {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  /** Whole call, retries and waits included. */
  readonly deadlineMs: number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The tool the request forces. @default the triage report tool */
  readonly toolName?: string;
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'InternalServerException',
]);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const outcomeOf = (
  output: ConverseCommandOutput,
  toolName: string,
): Pick<ModelResult, 'outcome' | 'toolInput' | 'note'> => {
  if (output.stopReason === 'guardrail_intervened')
    return {
      outcome: 'guardrail-intervened',
      note: 'the guardrail blocked the request or the answer',
    };
  const toolUse = output.output?.message?.content?.find((block) => block.toolUse)?.toolUse;
  if (!toolUse || toolUse.name !== toolName)
    return {
      outcome: 'malformed',
      note: `no ${toolName} call (stop reason ${output.stopReason ?? 'none'})`,
    };
  return { outcome: 'ok', toolInput: toolUse.input };
};

export const callModel = async (
  client: Pick<BedrockRuntimeClient, 'send'>,
  request: ConverseCommandInput,
  options: CallOptions,
): Promise<ModelResult> => {
  const started = Date.now();
  const sleep = options.sleep ?? defaultSleep;
  const left = () => options.deadlineMs - (Date.now() - started);
  let inputTokens = 0;
  let outputTokens = 0;
  let attempts = 0;
  let last: Pick<ModelResult, 'outcome' | 'note'> = { outcome: 'error' };
  while (attempts < options.maxAttempts && left() > 0) {
    attempts += 1;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // Abort the call and stop waiting for it: a client that ignores the signal cannot hold triage.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          abort.abort();
          reject(Object.assign(new Error('deadline reached'), { name: 'TimeoutError' }));
        },
        Math.max(1, left()),
      );
    });
    try {
      const output = (await Promise.race([
        client.send(new ConverseCommand(request), { abortSignal: abort.signal }),
        deadline,
      ])) as ConverseCommandOutput;
      inputTokens += output.usage?.inputTokens ?? 0;
      outputTokens += output.usage?.outputTokens ?? 0;
      return {
        ...outcomeOf(output, options.toolName ?? REPORT_TOOL_NAME),
        inputTokens,
        outputTokens,
        attempts,
        ms: Date.now() - started,
      };
    } catch (error) {
      const name = (error as Error).name ?? 'Error';
      if (abort.signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
        last = {
          outcome: 'timed-out',
          note: `no answer within the ${options.deadlineMs} ms deadline`,
        };
        break;
      }
      last = {
        outcome: name === 'ThrottlingException' ? 'throttled' : 'error',
        note: `${name}: ${String((error as Error).message ?? '').slice(0, 200)}`,
      };
      if (!RETRYABLE.has(name)) break;
      const delay = Math.min(
        left(),
        options.baseDelayMs * 2 ** (attempts - 1) * (0.5 + Math.random() / 2),
      );
      if (attempts >= options.maxAttempts || delay <= 0) break;
      await sleep(delay);
    } finally {
      clearTimeout(timer);
    }
  }
  if (left() <= 0 && last.outcome !== 'timed-out')
    last = {
      outcome: last.outcome === 'throttled' ? 'throttled' : 'timed-out',
      note: last.note ?? 'deadline reached',
    };
  return { ...last, inputTokens, outputTokens, attempts, ms: Date.now() - started };
};
