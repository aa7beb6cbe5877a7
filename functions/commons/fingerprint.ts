import { createHash } from 'node:crypto';

/**
 * A stable fingerprint for an error, so that Logs Insights can group "the same error" across
 * requests, functions and deploys: the error's name, its message with the variable parts
 * replaced (ids, numbers, quoted values, addresses), and its top stack frame without line and
 * column numbers (they move with every edit). Errors logged by the service carry it as
 * `errorFingerprint`; the saved query `errors-by-fingerprint` groups by it.
 */

const VARIABLE_PARTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\bord_[0-9a-f]{32}\b/g, '<orderId>'],
  [/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, '<email>'],
  [/\bhttps?:\/\/\S+/g, '<url>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>'],
  [/\b[0-9a-f]{16,}\b/gi, '<hex>'],
  [/(["'`])(?:(?!\1).){0,200}\1/g, '<str>'],
  [/-?\b\d+(?:\.\d+)?\b/g, '<n>'],
];

/** The message with ids, numbers, quoted values and addresses replaced by placeholders. */
export const normaliseMessage = (message: string): string =>
  VARIABLE_PARTS.reduce(
    (text, [pattern, placeholder]) => text.replace(pattern, placeholder),
    message,
  )
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);

/** `at fn (path/file.ts:12:3)` → `fn (file.ts)`; the first frame of the stack, or `unknown`. */
export const topFrame = (stack: string | undefined): string => {
  const line = stack?.split('\n').find((candidate) => /^\s+at\s/.test(candidate));
  if (line === undefined) return 'unknown';
  const match = /^\s+at\s+(?:(?<fn>[^\s(]+)\s+\()?(?<location>[^)]+?)\)?$/.exec(line);
  const fn = match?.groups?.fn ?? '<anonymous>';
  const file =
    (match?.groups?.location ?? '')
      .replace(/:\d+(?::\d+)?$/, '')
      .split(/[\\/]/)
      .pop() ?? '';
  return `${fn} (${file})`;
};

export interface ErrorFingerprint {
  /** 12 hex characters, the same for the same kind of error wherever it happens. */
  readonly fingerprint: string;
  /** What was hashed, for a human reading the log. */
  readonly signature: string;
}

export const fingerprintError = (error: unknown): ErrorFingerprint => {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  const signature = `${name}: ${normaliseMessage(message)} @ ${topFrame(stack)}`;
  return {
    fingerprint: createHash('sha256').update(signature).digest('hex').slice(0, 12),
    signature,
  };
};

/**
 * The fields an error log line carries: `errorFingerprint` (what the saved query groups by) and
 * `errorSignature` (what was hashed, readable).
 */
export const fingerprintFields = (
  error: unknown,
): { errorFingerprint: string; errorSignature: string } => {
  const { fingerprint, signature } = fingerprintError(error);
  return { errorFingerprint: fingerprint, errorSignature: signature };
};
