/**
 * `npm run --silent triage:redact`: redacts stdin to stdout, one output line per input line, with
 * the placeholders of one incident (the same value is the same placeholder on every line).
 */
import { createInterface } from 'node:readline';
import { Redactor } from '#triage/redact';
import { runCli } from './cli.ts';

await runCli('triage:redact', async () => {
  const redactor = new Redactor();
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (!process.stdout.write(`${redactor.redact(line)}\n`)) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }
  const counts = Object.entries(redactor.counts());
  if (process.stderr.isTTY && counts.length > 0)
    process.stderr.write(`redacted: ${counts.map(([type, n]) => `${type} ${n}`).join(', ')}\n`);
  return 0;
});
