/** The performance targets of the issue, in one place. */
export const TARGETS = {
  /** A route's median init may be at most this multiple of its Powertools-only twin's. */
  initRatioTwin: 1.1,
  /** Per-request cost (p50) a route may add over its Powertools-only twin, in milliseconds. */
  overheadTwinMs: 0.2,
  /** The first target, against the bare baseline (no Powertools): reported, for reference. */
  initRatio: 1.5,
  /** The first target: p50 cost a route may add over the bare baseline, in milliseconds. */
  overheadMs: 0.2,
  /** Wall clock of `cdk synth` for all stages together, in seconds. */
  synthSeconds: 20,
} as const;

export interface TargetCheck {
  readonly target: string;
  readonly subject: string;
  readonly measured: number;
  readonly limit: number;
  readonly unit: string;
  readonly pass: boolean;
}

export const check = (
  target: string,
  subject: string,
  measured: number,
  limit: number,
  unit: string,
): TargetCheck => ({ target, subject, measured, limit, unit, pass: measured <= limit });

export const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');
