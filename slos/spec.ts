/**
 * The vocabulary of a service level objective, with field names after OpenSLO where they fit
 * (`indicator`, `objectives[].target`, `timeWindow`, `alertPolicies`). Each SLO states its SLI as
 * a ratio of bad to valid events and the CloudWatch metrics that count them, its objective over a
 * rolling 30-day window, and per-stage overrides. `cdk/constructs/slo-alarms.ts` turns each into
 * multi-window, multi-burn-rate alarms; the simulator replays scenarios through those alarms.
 */
import type { StageName } from '#config/stages';
import type { RouteId } from '#routes';

/** One CloudWatch metric an SLI counts, in terms of the service's own things. */
export type MetricSourceRef =
  | {
      /** API Gateway's per-method metrics of a route. */
      readonly kind: 'apiMethod';
      readonly route: RouteId;
      readonly metric: 'Count' | '5XXError' | 'Latency';
      readonly stat: 'Sum' | 'SampleCount' | `PR(:${number})`;
    }
  | {
      /** A custom metric of the fulfilment worker. */
      readonly kind: 'worker';
      readonly metric: 'Processed' | 'Failed' | 'FulfilmentTime';
      readonly stat: 'Sum' | 'SampleCount' | `PR(:${number})`;
    };

/**
 * The SLI as a ratio: `bad / valid` events in a window. `bad` and `valid` are sums of metric
 * sources; a `badPercentOfValid` source instead gives the share of bad events directly, as a
 * percentage (a latency SLI: 100 − `PR(:threshold)` of the latency metric).
 */
export type Indicator =
  | {
      readonly kind: 'ratio';
      readonly bad: readonly MetricSourceRef[];
      readonly valid: readonly MetricSourceRef[];
    }
  | {
      readonly kind: 'threshold';
      /** The latency metric, with a `PR(:limit)` statistic: the percentage of good events. */
      readonly goodPercent: MetricSourceRef;
      /** Counts the valid events (the same metric's SampleCount). */
      readonly valid: MetricSourceRef;
    };

export type SloId =
  | 'create-availability'
  | 'read-availability'
  | 'create-latency'
  | 'fulfilment-success'
  | 'fulfilment-freshness';

export interface SloDefinition {
  readonly id: SloId;
  readonly displayName: string;
  readonly description: string;
  /** What a user notices when this SLO burns; goes into the alarm descriptions and runbooks. */
  readonly userImpact: string;
  readonly indicator: Indicator;
  /** Fraction of valid events that must be good over the window, e.g. 0.999. */
  readonly objective: { readonly target: number };
  readonly timeWindow: { readonly duration: '30d'; readonly isRolling: true };
  /**
   * Fewer valid events than this in a short window never page: one error on a quiet night is a
   * 100% error ratio but no incident.
   */
  readonly minValidEventsPerHour: number;
  readonly stageOverrides?: Readonly<
    Partial<Record<StageName, { readonly target?: number; readonly enabled?: boolean }>>
  >;
}

/** A long and a short window that must both burn faster than `burnRate` to alert. */
export interface BurnRateWindow {
  readonly id: 'page-fast' | 'page-slow' | 'ticket';
  readonly severity: 'page' | 'ticket';
  readonly longWindowMinutes: number;
  readonly shortWindowMinutes: number;
  /** Multiple of the rate that would spend exactly the whole budget over the SLO window. */
  readonly burnRate: number;
}

/**
 * The SRE Workbook's multi-window, multi-burn-rate policy for a 30-day window: 2% of the budget
 * in an hour or 5% in six hours pages; 10% in three days tickets. CloudWatch allows a period of
 * up to seven days for one data point, so the three-day window needs no substitute.
 */
export const BURN_RATE_POLICY: readonly BurnRateWindow[] = [
  {
    id: 'page-fast',
    severity: 'page',
    longWindowMinutes: 60,
    shortWindowMinutes: 5,
    burnRate: 14.4,
  },
  {
    id: 'page-slow',
    severity: 'page',
    longWindowMinutes: 360,
    shortWindowMinutes: 30,
    burnRate: 6,
  },
  {
    id: 'ticket',
    severity: 'ticket',
    longWindowMinutes: 4320,
    shortWindowMinutes: 360,
    burnRate: 1,
  },
];

/** The target of an SLO in a stage, or undefined where the stage turns it off. */
export const targetIn = (slo: SloDefinition, stage: StageName): number | undefined => {
  const override = slo.stageOverrides?.[stage];
  if (override?.enabled === false) return undefined;
  return override?.target ?? slo.objective.target;
};
