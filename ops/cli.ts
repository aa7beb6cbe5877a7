/**
 * What every operator command in `ops/` shares: argument parsing with a one-line error, progress
 * as timed steps, and a single place where failures become a non-zero exit with one line that
 * says what is wrong and how to fix it.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A failure the operator can fix; its message is printed as is, on one line. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code. @default 1 */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode, with its errors turned into a {@link CliError} that
 * repeats the usage line.
 */
export const parseCliArgs = <T extends Options>(
  usage: string,
  options: T,
  args: readonly string[] = process.argv.slice(2),
) => {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError(`${message}. Usage: ${usage}`, 2);
  }
};

/** A required string option, or a {@link CliError} naming it. */
export const requireOption = (value: unknown, name: string, usage: string): string => {
  if (typeof value !== 'string' || value === '') {
    throw new CliError(`--${name} is required. Usage: ${usage}`, 2);
  }
  return value;
};

export interface Progress {
  /** Runs one step, printing its label, then its duration (or its failure) on the same line. */
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  /** Milliseconds since the progress started. */
  elapsedMs(): number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** Timed steps on `out` (stderr by default, so stdout stays machine-readable). */
export const createProgress = (
  out: (text: string) => void = (text) => process.stderr.write(text),
): Progress => {
  const startedAt = performance.now();
  let index = 0;
  return {
    async step(label, work) {
      index += 1;
      const stepStart = performance.now();
      out(`[${index}] ${label} ... `);
      try {
        const result = await work();
        out(`done in ${seconds(performance.now() - stepStart)}\n`);
        return result;
      } catch (error) {
        out(`failed after ${seconds(performance.now() - stepStart)}\n`);
        throw error;
      }
    },
    elapsedMs: () => performance.now() - startedAt,
  };
};

/**
 * Runs a command's `main`, and turns what it throws into an exit code: a {@link CliError} prints
 * its one line; anything else prints one line with the error's message (no stack) and a hint to
 * re-run with `DEBUG=1` for the stack.
 */
export const runCli = async (name: string, main: () => Promise<number | undefined>) => {
  try {
    const code = await main();
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`${name}: ${error.message}`);
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.error(`${name}: ${message} (re-run with DEBUG=1 for details)`);
    if (process.env.DEBUG) console.error(error);
    process.exitCode = 1;
  }
};
