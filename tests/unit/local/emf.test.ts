import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureMetricsOutput, type EmfRecord } from '#local/emf';

const emfLine = JSON.stringify({
  _aws: {
    Timestamp: 1,
    CloudWatchMetrics: [
      { Namespace: 'orders', Dimensions: [['service']], Metrics: [{ Name: 'x' }] },
    ],
  },
  service: 'orders',
  x: 1,
});

describe('captureMetricsOutput', () => {
  let stdout: string[];
  let stderr: string[];
  let restoreStreams: () => void;

  beforeEach(() => {
    // Stand-ins for the terminal: what reaches them is what a person would see.
    stdout = [];
    stderr = [];
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((chunk: string) => stdout.push(String(chunk)) > 0) as typeof out;
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof err;
    restoreStreams = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  });

  afterEach(() => restoreStreams());

  it('passes EMF lines on stdout to the sink, and other lines through', () => {
    const records: EmfRecord[] = [];
    const restore = captureMetricsOutput({ onEmf: (record) => records.push(record) });

    process.stdout.write(`${emfLine}\n`);
    process.stdout.write('a request line\n');
    restore();

    expect(records).toHaveLength(1);
    expect(records[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('orders');
    expect(stdout).toEqual(['a request line\n']);
  });

  it('drops Metrics warnings on stderr when no diagnostic sink is given', () => {
    const restore = captureMetricsOutput({ onEmf: () => undefined });

    process.stderr.write('No application metrics to publish. The cold-start metric may be ...\n');
    process.stderr.write('a real error\n');
    restore();

    expect(stderr).toEqual(['a real error\n']);
  });

  it('lets a diagnostic sink print to stderr without feeding its own output back to itself', () => {
    // What console.error does outside the test runner, which intercepts the console.
    const onDiagnostic = vi.fn((line: string) => process.stderr.write(`${line}\n`));
    const restore = captureMetricsOutput({ onEmf: () => undefined, onDiagnostic });

    process.stderr.write(
      'Dimension "route" has already been added. The previous value will be overwritten.\n',
    );
    restore();

    expect(onDiagnostic).toHaveBeenCalledTimes(1);
    expect(stderr.join('')).toContain('Dimension "route" has already been added');
  });

  it('restores both streams', () => {
    const before = [process.stdout.write, process.stderr.write];
    const restore = captureMetricsOutput({ onEmf: () => undefined });
    expect([process.stdout.write, process.stderr.write]).not.toEqual(before);

    restore();

    expect([process.stdout.write, process.stderr.write]).toEqual(before);
  });
});
