/**
 * The SLO dashboard: per SLO, a row with its SLI and the error budget left over the 30-day
 * window, and its burn rate over each alerting window against the window's threshold. The
 * panels are metric math over the same metrics the burn-rate alarms read, so the dashboard and
 * the alarms cannot disagree; `cdk/constructs/slo-alarms.ts` renders it from the SLO definitions
 * (`<app>-<stage>-slo`). The local dashboard page lists it without drawing the math, which the
 * emulator does not evaluate.
 */
import { BURN_RATE_POLICY } from '../slos/spec.ts';

export interface SloDashboardDefinition {
  readonly id: 'slo';
  readonly title: string;
  /** Single-value panels of each SLO's row, over the SLO's 30-day window. */
  readonly summary: readonly ('sli' | 'budgetRemaining')[];
  /** Burn-rate lines of each SLO's graph: one per window length, with its threshold. */
  readonly burnWindows: readonly { readonly minutes: number; readonly threshold: number }[];
}

export const SLO_DASHBOARD: SloDashboardDefinition = {
  id: 'slo',
  title: 'Service level objectives',
  summary: ['sli', 'budgetRemaining'],
  burnWindows: BURN_RATE_POLICY.flatMap((window) => [
    { minutes: window.shortWindowMinutes, threshold: window.burnRate },
    { minutes: window.longWindowMinutes, threshold: window.burnRate },
  ]),
};
