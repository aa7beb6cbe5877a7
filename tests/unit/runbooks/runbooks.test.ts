import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, STAGES } from '#config/stages';
import { REPO_ROOT } from '../../../cdk/constructs/orders-function.ts';
import { synthesizeStage } from '../../../cdk/synth.ts';
import { sloRunbooks } from '../../../slos/runbooks.ts';
import { readAlarms } from '../../../slos/simulator/template-alarms.ts';

const RUNBOOKS = join(REPO_ROOT, 'runbooks');

/**
 * Alarm → runbook: the `Runbook: <url>` at the end of an alarm's description, where the url is
 * the stage's runbook base URL (or `runbooks/`) followed by the runbook's path under runbooks/.
 * `runbooks/<alarm-id>.md` for the alarms this project generates.
 */
const runbookOf = (description: string | undefined, base: string): string | undefined => {
  const url = /Runbook: (\S+\.md)\s*$/.exec(description ?? '')?.[1];
  if (url === undefined) return undefined;
  for (const prefix of [`${base.replace(/\/+$/, '')}/`, 'runbooks/']) {
    if (url.startsWith(prefix)) return url.slice(prefix.length);
  }
  return url;
};

const stages = STAGE_NAMES.map((stage) => ({
  stage,
  base: STAGES[stage].alerting.runbookBaseUrl,
  alarms: readAlarms(synthesizeStage(stage)),
}));

const stageEntry = (stage: string) => {
  const entry = stages.find((candidate) => candidate.stage === stage);
  if (entry === undefined) throw new Error(`no stage ${stage}`);
  return entry;
};

describe('runbooks', () => {
  it.each(STAGE_NAMES)('exist for every alarm of %s that notifies someone', (stage) => {
    const { alarms, base } = stageEntry(stage);
    const notifying = [...alarms.metricAlarms, ...alarms.compositeAlarms].filter(
      (alarm) => alarm.alarmActions.length > 0,
    );
    expect(notifying.length).toBeGreaterThanOrEqual(25);
    for (const alarm of notifying) {
      const runbook = runbookOf(alarm.properties.AlarmDescription, base);
      expect(runbook, `${alarm.name} links no runbook`).toBeDefined();
      expect(existsSync(join(RUNBOOKS, runbook ?? '')), `${alarm.name}: runbooks/${runbook}`).toBe(
        true,
      );
    }
  });

  it('name, in the alarms this project generates, the alarm id: <app>-<stage>-<id> links <id>.md', () => {
    const { alarms, base } = stageEntry('prod');
    for (const alarm of [...alarms.metricAlarms, ...alarms.compositeAlarms]) {
      // Named by CloudFormation (`<stack>-<logical id>`): the backup stack's missed-backup alarm,
      // which links the DR runbook.
      const generated = /^Orders-prod-(Data|Api|Alerting|Backup|Worker|Registry)-/.test(alarm.name);
      if (alarm.alarmActions.length === 0 || generated) continue;
      expect(runbookOf(alarm.properties.AlarmDescription, base)).toBe(
        `${alarm.name.slice('Orders-prod-'.length)}.md`,
      );
    }
  });

  it('leave silent only the burn-rate windows and the worker deployment alarm', () => {
    for (const { alarms } of stages) {
      const silent = alarms.metricAlarms.filter((alarm) => alarm.alarmActions.length === 0);
      for (const alarm of silent) {
        // A window alarm is read through its composite (which has the runbook); WorkerErrors
        // rolls a worker deployment back and notifies no one, as each route's canary alarm
        // (NewVersionErrors) rolls its CodeDeploy release back (runbooks/canary-rollback.md).
        expect(alarm.name).toMatch(
          /-slo-.+-(long|short)$|-Worker-WorkerErrors|-Api-\w+CanaryNewVersionErrors/,
        );
      }
    }
  });

  it('have an alarm each: no runbook outlives its alarm', () => {
    const linked = new Set(
      stages.flatMap(({ alarms, base }) =>
        [...alarms.metricAlarms, ...alarms.compositeAlarms].map((alarm) =>
          runbookOf(alarm.properties.AlarmDescription, base),
        ),
      ),
    );
    const files = readdirSync(RUNBOOKS).filter(
      (file) => file.endsWith('.md') && file !== 'README.md',
    );
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const file of files) expect(linked, `runbooks/${file} has no alarm`).toContain(file);
  });

  it('of the SLO alarms are up to date with the SLO definitions (npx tsx slos/runbooks.ts --write)', () => {
    for (const [file, content] of sloRunbooks()) {
      expect(readFileSync(join(RUNBOOKS, file), 'utf8'), file).toBe(content);
    }
  });

  it('say what to look at, how to diagnose, mitigate and escalate, with rollback and fault injection', () => {
    for (const file of readdirSync(RUNBOOKS).filter((name) => /^[a-z].*\.md$/.test(name))) {
      if (file === 'README.md') continue;
      const text = readFileSync(join(RUNBOOKS, file), 'utf8');
      for (const heading of [
        '## What it means',
        '## User impact',
        '## Look',
        '## Diagnose',
        '## Mitigate',
        '## Escalate',
      ]) {
        expect(text, `${file}: ${heading}`).toContain(heading);
      }
      expect(text, `${file}: rollback`).toMatch(/roll (it )?back|Roll back/i);
      expect(text, `${file}: fault injection`).toMatch(/[Ff]ault injection/);
    }
  });
});
