/**
 * Keeps what Powertools Metrics prints off the console. In Lambda, CloudWatch turns the
 * Embedded Metric Format (EMF) lines on stdout into metrics; locally they go to a sink instead.
 * This is the seam for local metrics: pass a sink that stores or aggregates them.
 *
 * Metrics also warns on stderr about things that are normal when every handler shares one
 * process (`Dimension "route" has already been added`, `No application metrics to publish`):
 * those go to `onDiagnostic` (dropped by default).
 */

/** One EMF document as Powertools prints it. */
export interface EmfRecord {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit?: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

export type EmfSink = (record: EmfRecord) => void;

export interface MetricsOutputOptions {
  readonly onEmf: EmfSink;
  /** Powertools Metrics warnings; dropped when absent. */
  readonly onDiagnostic?: (line: string) => void;
}

const METRICS_DIAGNOSTICS = [
  /^No application metrics to publish/,
  /^Dimension ".*" has already been added/,
];

/** The EMF document a line holds, if it is one. */
export const asEmf = (line: string): EmfRecord | undefined => {
  if (!line.startsWith('{') || !line.includes('"CloudWatchMetrics"')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<EmfRecord>;
    return parsed._aws !== undefined && Array.isArray(parsed._aws.CloudWatchMetrics)
      ? (parsed as EmfRecord)
      : undefined;
  } catch {
    return undefined;
  }
};

type Write = typeof process.stdout.write;

/**
 * Wraps `stream.write` so that lines for which `divert` returns true are not written.
 * @returns a function that restores the original `write`.
 */
const filterLines = (
  stream: NodeJS.WriteStream,
  mayMatch: (text: string) => boolean,
  divert: (line: string) => boolean,
) => {
  const original = stream.write;
  // A sink may write to the stream it is fed from (a diagnostic shown with console.error):
  // what it writes goes straight out, or each line would be diverted to it again, forever.
  let diverting = false;
  const divertOnce = (line: string): boolean => {
    diverting = true;
    try {
      return divert(line);
    } finally {
      diverting = false;
    }
  };
  const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text =
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString('utf8')
          : undefined;
    if (diverting || text === undefined || !mayMatch(text))
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    const kept = text.split('\n').filter((line) => !divertOnce(line.trim()));
    if (kept.every((line) => line.trim() === '')) {
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return (original as (...args: unknown[]) => boolean).call(this, kept.join('\n'), ...rest);
  };
  stream.write = write as Write;
  return () => {
    if (stream.write === (write as Write)) stream.write = original;
  };
};

/**
 * Diverts EMF lines on stdout to `onEmf`, and Powertools Metrics warnings on stderr to
 * `onDiagnostic`; every other line is written as usual.
 * @returns a function that restores both streams.
 */
export const captureMetricsOutput = (options: MetricsOutputOptions): (() => void) => {
  const restoreStdout = filterLines(
    process.stdout,
    (text) => text.includes('"CloudWatchMetrics"'),
    (line) => {
      const record = asEmf(line);
      if (record === undefined) return false;
      options.onEmf(record);
      return true;
    },
  );
  const restoreStderr = filterLines(
    process.stderr,
    (text) => text.includes('metrics') || text.includes('has already been added'),
    (line) => {
      if (!METRICS_DIAGNOSTICS.some((pattern) => pattern.test(line))) return false;
      options.onDiagnostic?.(line);
      return true;
    },
  );
  return () => {
    restoreStderr();
    restoreStdout();
  };
};
