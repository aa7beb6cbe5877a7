/**
 * The simulator's scenarios: synthetic minutes of traffic in which something goes wrong (or
 * nothing does). Every scenario starts with three days of steady traffic with every SLO spending
 * half its budget, so the three-day windows hold a realistic history when the incident starts,
 * and ends long enough after recovery for every alarm to reset.
 *
 * Burn rates are multiples of a stage's error budget, `1 − target` of the SLO definitions: the
 * scenarios describe the world in the spec's terms, while the alarms under test come from the
 * synthesized template.
 */
import type { StageName } from '#config/stages';
import { ROUTES, type RouteId } from '#routes';
import { SLOS } from '../definitions.ts';
import { type SloId, targetIn } from '../spec.ts';
import type { RouteMinute, WorldMinute } from './world.ts';

export const SCENARIO_IDS = [
  'steady',
  'full-outage',
  'burn-14x',
  'burn-6x',
  'slow-burn',
  'blip',
  'latency-regression',
  'quiet-night',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

type Traffic = Readonly<Partial<Record<RouteId, number>>>;

const DAY = 1440;
/** Three days of history: the longest alarm window. */
const HISTORY = 3 * DAY;

/**
 * Requests a minute of a busy day and of a quiet night; a route not listed (the operator routes)
 * gets none.
 */
const DAY_TRAFFIC: Traffic = {
  createOrder: 100,
  getOrder: 300,
  listOrders: 100,
  cancelOrder: 10,
  health: 2,
};
const NIGHT_TRAFFIC: Traffic = {
  createOrder: 0.5,
  getOrder: 1,
  listOrders: 0.5,
  cancelOrder: 0,
  health: 2,
};

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** The SLO the incident burns: the table reports budget spent against it. */
  readonly slo: SloId;
  /** What happens, for the report. */
  readonly description: string;
  /** Minutes `[start, end)` of the incident; undefined when nothing goes wrong. */
  readonly incident: { readonly start: number; readonly end: number } | undefined;
  readonly minutes: readonly WorldMinute[];
}

/** What an incident does to one minute: multiples of the budget, or absolute shares. */
interface Burn {
  /** Share of create requests answered 5xx. */
  readonly createErrors?: number;
  /** Share of create requests slower than the latency threshold. */
  readonly createSlow?: number;
  /** Extra create errors this minute (a count, not a share). */
  readonly createErrorCount?: number;
}

/**
 * A burn rate that sits exactly on an alarm's threshold is applied this much above it: rounding
 * in the sums of a window must not decide a tie that the policy defines as alerting.
 */
const ON_THRESHOLD = 1 + 1e-9;

const budgetOf = (slo: SloId, stage: StageName): number => {
  const definition = SLOS.find((candidate) => candidate.id === slo);
  const target = definition ? targetIn(definition, stage) : undefined;
  return target === undefined ? 0 : 1 - target;
};

/** One minute of the world: every SLO at half its budget, unless `burn` says otherwise. */
const minuteOf = (stage: StageName, traffic: Traffic, burn: Burn = {}): WorldMinute => {
  const half = (slo: SloId) => 0.5 * budgetOf(slo, stage);
  const routes = Object.fromEntries(
    ROUTES.map((route) => {
      const requests = traffic[route.id] ?? 0;
      let errors = 0;
      let slow = 0;
      if (route.id === 'createOrder') {
        errors = requests * (burn.createErrors ?? half('create-availability'));
        errors += burn.createErrorCount ?? 0;
        slow = requests * (burn.createSlow ?? half('create-latency'));
      } else if (route.id === 'getOrder' || route.id === 'listOrders') {
        errors = requests * half('read-availability');
      }
      return [
        route.id,
        { requests, errors: Math.min(errors, requests), slow } satisfies RouteMinute,
      ];
    }),
  ) as Record<RouteId, RouteMinute>;
  // Every order created is a message for the worker a moment later; a failed create is none.
  const processed = routes.createOrder.requests - routes.createOrder.errors;
  const failed = processed * half('fulfilment-success');
  return {
    routes,
    worker: { processed, failed, late: (processed - failed) * half('fulfilment-freshness') },
    runningTasks: 1,
  };
};

interface Shape {
  readonly id: ScenarioId;
  readonly title: string;
  readonly slo: SloId;
  readonly description: string;
  /** Incident length in minutes (0: none), and minutes simulated after it. */
  readonly incidentMinutes: number;
  readonly afterMinutes: number;
  readonly traffic?: Traffic;
  /** The incident's effect at minute `offset` of the incident, given the SLO's budget. */
  readonly burn: (budget: number, offset: number) => Burn;
}

const SHAPES: readonly Shape[] = [
  {
    id: 'steady',
    title: 'Steady 0.05% errors',
    slo: 'create-availability',
    description:
      'Four days of normal traffic with every SLO at half its budget (0.05% create errors in prod); nothing should alarm.',
    incidentMinutes: 0,
    afterMinutes: DAY,
    burn: () => ({}),
  },
  {
    id: 'full-outage',
    title: 'Full outage',
    slo: 'create-availability',
    description: 'Every POST /orders answers 5xx for 60 minutes.',
    incidentMinutes: 60,
    afterMinutes: HISTORY + 60,
    burn: () => ({ createErrors: 1 }),
  },
  {
    id: 'burn-14x',
    title: '14.4x burn',
    slo: 'create-availability',
    description: 'POST /orders fails at 14.4 times the budget rate for 2 hours.',
    incidentMinutes: 120,
    afterMinutes: HISTORY + 60,
    burn: (budget) => ({ createErrors: 14.4 * ON_THRESHOLD * budget }),
  },
  {
    id: 'burn-6x',
    title: '6x burn',
    slo: 'create-availability',
    description: 'POST /orders fails at 6 times the budget rate for 8 hours.',
    incidentMinutes: 480,
    afterMinutes: HISTORY + 60,
    burn: (budget) => ({ createErrors: 6 * ON_THRESHOLD * budget }),
  },
  {
    id: 'slow-burn',
    title: '1x slow burn',
    slo: 'create-availability',
    description:
      'POST /orders fails at 1.1 times the budget rate (just over the rate that spends the whole budget in 30 days) for 4 days.',
    incidentMinutes: 4 * DAY,
    afterMinutes: 7 * 60,
    burn: (budget) => ({ createErrors: 1.1 * budget }),
  },
  {
    id: 'blip',
    title: '10-minute 5% blip',
    slo: 'create-availability',
    description: '5% of POST /orders answer 5xx for 10 minutes.',
    incidentMinutes: 10,
    afterMinutes: DAY,
    burn: () => ({ createErrors: 0.05 }),
  },
  {
    id: 'latency-regression',
    title: 'Latency regression',
    slo: 'create-latency',
    description: '25% of POST /orders take longer than 500 ms for 2 hours (a slow dependency).',
    incidentMinutes: 120,
    afterMinutes: HISTORY + 60,
    burn: () => ({ createSlow: 0.25 }),
  },
  {
    id: 'quiet-night',
    title: 'Low-traffic night',
    slo: 'create-availability',
    description:
      'Eight hours at night traffic (one order every 2 minutes); a single POST /orders fails 4 hours in.',
    incidentMinutes: 8 * 60,
    afterMinutes: 60,
    traffic: NIGHT_TRAFFIC,
    burn: (_budget, offset) => (offset === 240 ? { createErrorCount: 1 } : {}),
  },
];

/** The minutes of a scenario in a stage. */
export const buildScenario = (id: ScenarioId, stage: StageName): Scenario => {
  const shape = SHAPES.find((candidate) => candidate.id === id);
  if (shape === undefined) throw new Error(`Unknown scenario ${id}`);
  const budget = budgetOf(shape.slo, stage);
  const minutes: WorldMinute[] = [];
  for (let minute = 0; minute < HISTORY; minute++) minutes.push(minuteOf(stage, DAY_TRAFFIC));
  for (let offset = 0; offset < shape.incidentMinutes; offset++) {
    minutes.push(minuteOf(stage, shape.traffic ?? DAY_TRAFFIC, shape.burn(budget, offset)));
  }
  for (let minute = 0; minute < shape.afterMinutes; minute++) {
    minutes.push(minuteOf(stage, shape.traffic ?? DAY_TRAFFIC));
  }
  return {
    id: shape.id,
    title: shape.title,
    slo: shape.slo,
    description: shape.description,
    incident:
      shape.incidentMinutes > 0
        ? { start: HISTORY, end: HISTORY + shape.incidentMinutes }
        : undefined,
    minutes,
  };
};

/** The scenario's SLO budget in the stage, as a share of valid events. */
export const scenarioBudget = (scenario: Scenario, stage: StageName): number =>
  budgetOf(scenario.slo, stage);
