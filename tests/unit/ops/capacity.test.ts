import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, STAGES } from '#config/stages';
import { main, parseDurations, routesFromRun } from '#ops/capacity';
import {
  computeCapacity,
  DEFAULT_ROUTES,
  defaultInputs,
  SECONDS_PER_MONTH,
  unitsPerRequest,
} from '#ops/capacity-model';
import { AWS_PRICES } from '#ops/capacity-prices';
import { CliError } from '#ops/cli';
import type { LoadRunResult } from '#ops/load-results';

/** One route only, so every figure can be worked out by hand. */
const onlyCreates = (rps: number, durationMs = 100) => ({
  ...defaultInputs(rps),
  peakFactor: 2,
  routes: {
    ...Object.fromEntries(
      Object.keys(DEFAULT_ROUTES).map((route) => [route, { share: 0, durationMs: 10 }]),
    ),
    createOrder: { share: 1, durationMs },
  } as typeof DEFAULT_ROUTES,
});

describe('capacity model', () => {
  it("sizes Lambda concurrency by Little's law, average and peak", () => {
    // Act
    const report = computeCapacity(STAGES.prod, onlyCreates(50, 100));

    // Assess: 50/s × 0.1 s = 5; at twice the rate, 10.
    const create = report.lambda.routes.find((route) => route.route === 'createOrder');
    expect(create).toMatchObject({ rps: 50, concurrency: 5, peakConcurrency: 10, reserved: 200 });
    expect(report.lambda.peakTotal).toBe(10);
  });

  it('counts request units per table, index copies and the worker writes included', () => {
    // Prepare: 1.5 KB orders: 2 units per write, times the item and its 2 index copies.
    const units = unitsPerRequest({ orderItemKb: 1.5, listPageSize: 10, linesPerOrder: 2 });

    // Act
    const report = computeCapacity(STAGES.prod, onlyCreates(10));

    // Assess
    expect(units.createOrder.orders.writes).toBe(6);
    expect(units.listOrders.orders.reads).toBe(2);
    // 10 creates/s: 6 units each, plus the worker's two updates (12 units).
    expect(report.dynamodb.orders).toEqual({ reads: 0, writes: 180 });
    expect(report.dynamodb.idempotency).toEqual({ reads: 0, writes: 30 });
    expect(report.dynamodb.catalog).toEqual({ reads: 10, writes: 0 });
  });

  it('derives SQS messages and worker tasks from creates and cancels', () => {
    // Act
    const report = computeCapacity(STAGES.prod, { ...onlyCreates(400), workerMsPerMessage: 250 });

    // Assess: 2 pollers × 10 messages per 0.25 s = 80 messages/s per task; 800/s at peak.
    expect(report.sqs.messagesPerSecond).toBe(400);
    expect(report.worker).toEqual({
      messagesPerSecondPerTask: 80,
      tasksAtPeak: 10,
      tasksAverage: 5,
    });
  });

  it('prices a month of API Gateway requests at the dated price', () => {
    // Act
    const report = computeCapacity(STAGES.dev, onlyCreates(10));

    // Assess
    const api = report.cost.lines.find((line) => line.item === 'API Gateway');
    expect(api?.usdPerMonth).toBeCloseTo(
      ((10 * SECONDS_PER_MONTH) / 1e6) * AWS_PRICES.apiGateway.restPerMillion,
      1,
    );
    expect(report.pricesAsOf).toBe(AWS_PRICES.asOf);
    expect(report.cost.totalUsdPerMonth).toBeGreaterThan(api?.usdPerMonth ?? 0);
  });

  it('warns about every limit a load beyond the stage would hit', () => {
    // Act
    const { warnings } = computeCapacity(STAGES.dev, onlyCreates(100, 500));

    // Assess
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Lambda createOrder: 100 concurrent executions at peak exceed its reserved concurrency of 20/,
        ),
        expect.stringMatching(
          /^API Gateway: 200 requests\/s at peak exceed the stage throttle of 50\/s/,
        ),
        expect.stringMatching(
          /^API Gateway createOrder: 200 requests\/s at peak exceed its method throttle of 20\/s/,
        ),
        expect.stringMatching(/^DynamoDB orders: .* exceed the stage's ceiling/),
        expect.stringMatching(/^Worker: \d+ tasks needed at peak/),
      ]),
    );
  });

  it.each(STAGE_NAMES)(
    'holds the %s stage throttle (as the peak) within its concurrency and table ceilings',
    (name) => {
      // Prepare
      const config = STAGES[name];
      const inputs = { ...defaultInputs(config.api.throttle.rateLimit / 2), peakFactor: 2 };

      // Act
      const { warnings } = computeCapacity(config, inputs);

      // Assess: only the usage plans may add up to less than the stage (they are per consumer).
      expect(warnings.filter((warning) => !warning.startsWith('API Gateway usage plans'))).toEqual(
        [],
      );
    },
  );
});

describe('npm run capacity', () => {
  const run: Pick<LoadRunResult, 'endpoints'> = {
    endpoints: {
      createOrder: { count: 30, mean: 40, p50: 30, p95: 80, p99: 100, max: 120 },
      'createOrder (retry)': { count: 10, mean: 20, p50: 15, p95: 30, p99: 40, max: 50 },
      getOrder: { count: 60, mean: 10, p50: 8, p95: 20, p99: 30, max: 40 },
    },
  };

  it('takes the mix and mean durations from a load run', () => {
    // Act
    const routes = routesFromRun(run as LoadRunResult);

    // Assess
    expect(routes.createOrder).toEqual({ share: 0.4, durationMs: 35 });
    expect(routes.getOrder).toEqual({ share: 0.6, durationMs: 10 });
    expect(routes.health.share).toBe(0);
  });

  it('parses route durations and refuses an unknown route', () => {
    expect(parseDurations('createOrder=120,getOrder=30')).toEqual({
      createOrder: 120,
      getOrder: 30,
    });
    expect(() => parseDurations('nope=1')).toThrow(/unknown route 'nope'/);
  });

  it('prints one block per stage and exits 0 when no limit is hit', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    const code = await main(['--rps', '10'], (line) => lines.push(line));

    // Assess
    expect(code).toBe(0);
    expect(lines.filter((line) => line.startsWith('== '))).toEqual([
      '== dev: 10 requests/s average, 20 at peak',
      '== staging: 10 requests/s average, 20 at peak',
      '== prod: 10 requests/s average, 20 at peak',
    ]);
  });

  it('exits 1 when a warning is printed', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    const code = await main(['--rps', '1000', '--stage', 'dev'], (line) => lines.push(line));

    // Assess
    expect(code).toBe(1);
    expect(lines.some((line) => line.startsWith('WARNING '))).toBe(true);
  });

  it.each([
    [[], /--rps is required/],
    [['--rps=-3'], /--rps must be a positive number/],
    [['--rps', '3', '--stage', 'qa'], /unknown stage 'qa'/],
  ])('refuses %j with a one-line error', async (args, message) => {
    await expect(main(args, () => undefined)).rejects.toThrow(CliError);
    await expect(main(args, () => undefined)).rejects.toThrow(message);
  });
});
