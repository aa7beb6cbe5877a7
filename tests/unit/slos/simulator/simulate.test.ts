import { describe, expect, it } from 'vitest';
import { synthesizeStage } from '../../../../cdk/synth.ts';
import { CliError } from '../../../../ops/cli.ts';
import { parseOptions } from '../../../../ops/slo-simulate.ts';
import { formatTable, renderHtml } from '../../../../slos/simulator/report.ts';
import { SCENARIO_IDS, type ScenarioId } from '../../../../slos/simulator/scenarios.ts';
import {
  type AlarmOutcome,
  type SimulationResult,
  simulate,
} from '../../../../slos/simulator/simulate.ts';
import { readAlarms } from '../../../../slos/simulator/template-alarms.ts';

// The alarms exactly as prod deploys them.
const alarms = readAlarms(synthesizeStage('prod'));
const results = new Map<ScenarioId, SimulationResult>();
const run = (id: ScenarioId): SimulationResult => {
  let result = results.get(id);
  if (result === undefined) {
    result = simulate(alarms, id, 'prod');
    results.set(id, result);
  }
  return result;
};
const outcome = (result: SimulationResult, name: string): AlarmOutcome => {
  const found = result.outcomes.find((candidate) => candidate.alarm === `Orders-prod-${name}`);
  if (found === undefined) throw new Error(`no alarm ${name}`);
  return found;
};
const notified = (result: SimulationResult, severity: 'page' | 'ticket') =>
  result.outcomes.filter((o) => o.severity === severity && o.notifiedAt !== undefined);
const SLOW = { timeout: 180_000 };

describe('the SLO alarms of prod, replayed by the simulator', () => {
  it('never alarm in a steady state of half the budget (0.05% create errors)', SLOW, () => {
    const fired = run('steady').outcomes.filter((o) => o.firedAt !== undefined);
    expect(fired.map((o) => o.alarm)).toEqual([]);
  });

  it('page within 5 minutes of a full outage, once', SLOW, () => {
    const result = run('full-outage');
    const fast = outcome(result, 'slo-create-availability-page-fast');
    expect(fast.notifiedAt).toBeLessThanOrEqual(5);
    // The slow page and the ticket fire too, but their suppressors hold their notifications.
    expect(outcome(result, 'slo-create-availability-page-slow').firedAt).toBeDefined();
    expect(outcome(result, 'slo-create-availability-page-slow').notifiedAt).toBeUndefined();
    expect(outcome(result, 'slo-create-availability-ticket').notifiedAt).toBeUndefined();
  });

  it('page on a 14.4x burn by the time 2% of the 30-day budget is spent', SLOW, () => {
    const fast = outcome(run('burn-14x'), 'slo-create-availability-page-fast');
    expect(fast.notifiedAt).toBeLessThanOrEqual(60);
    expect(fast.budgetSpentAtFire).toBeLessThanOrEqual(0.02 + 1e-6);
  });

  it('page on a 6x burn through the 6-hour window, by the time 5% is spent', SLOW, () => {
    const result = run('burn-6x');
    const slow = outcome(result, 'slo-create-availability-page-slow');
    expect(slow.notifiedAt).toBeLessThanOrEqual(6 * 60 + 2);
    expect(slow.budgetSpentAtFire).toBeLessThanOrEqual(0.05 + 1e-6);
    expect(outcome(result, 'slo-create-availability-page-fast').firedAt).toBeUndefined();
  });

  it('ticket a slow burn just over 1x and never page', SLOW, () => {
    const result = run('slow-burn');
    expect(notified(result, 'ticket').map((o) => o.alarm)).toEqual([
      'Orders-prod-slo-create-availability-ticket',
    ]);
    expect(result.outcomes.filter((o) => o.severity === 'page' && o.firedAt !== undefined)).toEqual(
      [],
    );
  });

  it('do not page on a 10-minute 5% blip', SLOW, () => {
    expect(notified(run('blip'), 'page')).toEqual([]);
  });

  it('page on a latency regression', SLOW, () => {
    const fast = outcome(run('latency-regression'), 'slo-create-latency-page-fast');
    expect(fast.notifiedAt).toBeLessThanOrEqual(60);
  });

  it('do not page or ticket on one error in a quiet night', SLOW, () => {
    const result = run('quiet-night');
    expect([...notified(result, 'page'), ...notified(result, 'ticket')]).toEqual([]);
  });

  it('reset every alarm that notifies within its documented bound after recovery', SLOW, () => {
    let checked = 0;
    for (const id of SCENARIO_IDS) {
      const result = run(id);
      const incident = result.scenario.incident;
      if (incident === undefined) continue;
      const observed = result.minutesSimulated - incident.end;
      for (const o of result.outcomes) {
        if (o.firedAt === undefined || o.severity === 'none' || o.resetBound > observed) continue;
        expect(o.resetAfter, `${id}: ${o.alarm}`).toBeDefined();
        expect(o.resetAfter, `${id}: ${o.alarm}`).toBeLessThanOrEqual(o.resetBound);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('prints a table and draws a chart per scenario', SLOW, () => {
    const result = run('full-outage');
    expect(formatTable(result)).toMatch(
      /\| slo-create-availability-page-fast \| page \| 1 min \| 1 min \| 2\.31% \| 5 min \| 5 min \|/,
    );
    const html = renderHtml([result]);
    expect(html).toContain('<svg');
    expect(html.match(/<polyline/g)).toHaveLength(6);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('slo:simulate arguments', () => {
  it('defaults to prod and every scenario', () => {
    expect(parseOptions([])).toMatchObject({ stage: 'prod', scenarios: SCENARIO_IDS });
    expect(parseOptions(['--scenario', 'blip,steady', '--json']).scenarios).toEqual([
      'blip',
      'steady',
    ]);
  });

  it.each([
    [['--stage', 'qa'], /Unknown stage 'qa'/],
    [['--scenario', 'meteor'], /Unknown scenario 'meteor'/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('rejects %j with one line and exit code 2', (args, message) => {
    const error = (() => {
      try {
        parseOptions(args);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
    expect((error as CliError).message).not.toContain('\n');
  });
});
