import { describe, expect, it } from 'vitest';
import {
  classifyAudit,
  exitCodeOf,
  formatSummary,
  GATES,
  type GateReport,
  selectGates,
} from '#ops/check';

const report = (
  id: string,
  result: GateReport['outcome']['result'],
  note?: string,
): GateReport => ({
  gate: { id, title: id, commands: [] },
  outcome: { result, note },
  ms: 1500,
});

describe('npm run check', () => {
  it('has every offline gate of the pipelines issue', () => {
    expect(GATES.map((gate) => gate.id)).toEqual([
      'lint',
      'typecheck',
      'tests',
      'synth',
      'cdk-nag',
      'cfn-lint',
      'checkov',
      'gitleaks',
      'semgrep',
      'actionlint',
      'audit',
    ]);
  });

  it('reports a refused audit request as unavailable, never as passed', () => {
    const refused =
      'npm error code E405\nnpm error 405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk\nnpm error audit endpoint returned an error';
    expect(classifyAudit(1, refused).result).toBe('unavailable');
    expect(
      classifyAudit(
        1,
        '# npm audit report\nlodash  <4.17.21\nSeverity: high\n1 high severity vulnerability',
      ).result,
    ).toBe('failed');
    expect(classifyAudit(0, 'found 0 vulnerabilities').result).toBe('passed');
  });

  it('fails on a failed gate, and on an unavailable one only when strict', () => {
    const reports = [report('lint', 'passed'), report('audit', 'unavailable')];
    expect(exitCodeOf(reports, false)).toBe(0);
    expect(exitCodeOf(reports, true)).toBe(1);
    expect(exitCodeOf([...reports, report('semgrep', 'failed')], false)).toBe(1);
  });

  it('prints a table of gate, result and time, and the totals', () => {
    const text = formatSummary(
      [report('lint', 'passed'), report('audit', 'unavailable', 'not checked')],
      3000,
    );
    expect(text.split('\n')).toEqual([
      'gate   result       time   note',
      '-----  -----------  -----  -----------',
      'lint   passed       1.5 s',
      'audit  unavailable  1.5 s  not checked',
      '',
      '1 passed, 0 failed, 1 unavailable (not passed), 0 skipped in 3.0 s',
    ]);
  });

  it('selects gates with --only and --skip, and names an unknown gate', () => {
    expect(selectGates(GATES, 'synth,cfn-lint', undefined).map((gate) => gate.id)).toEqual([
      'synth',
      'cfn-lint',
    ]);
    expect(selectGates(GATES, undefined, 'tests').map((gate) => gate.id)).not.toContain('tests');
    expect(() => selectGates(GATES, 'lnt', undefined)).toThrow("Unknown gate 'lnt'");
  });
});
