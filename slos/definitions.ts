/**
 * The service's SLOs, in one place. Why these targets: docs/slos.md.
 */
import type { SloDefinition } from './spec.ts';

const window = { duration: '30d', isRolling: true } as const;

export const SLOS: readonly SloDefinition[] = [
  {
    id: 'create-availability',
    displayName: 'Create order availability',
    description: 'POST /orders answers without a server error',
    userImpact: 'Buyers cannot place orders; checkouts fail or retry.',
    indicator: {
      kind: 'ratio',
      bad: [{ kind: 'apiMethod', route: 'createOrder', metric: '5XXError', stat: 'Sum' }],
      valid: [{ kind: 'apiMethod', route: 'createOrder', metric: 'Count', stat: 'Sum' }],
    },
    objective: { target: 0.999 },
    timeWindow: window,
    minValidEventsPerHour: 60,
    stageOverrides: { dev: { target: 0.99 } },
  },
  {
    id: 'read-availability',
    displayName: 'Read availability',
    description: 'GET /orders/{orderId} and GET /orders answer without a server error',
    userImpact: 'Buyers and partners cannot see their orders.',
    indicator: {
      kind: 'ratio',
      bad: [
        { kind: 'apiMethod', route: 'getOrder', metric: '5XXError', stat: 'Sum' },
        { kind: 'apiMethod', route: 'listOrders', metric: '5XXError', stat: 'Sum' },
      ],
      valid: [
        { kind: 'apiMethod', route: 'getOrder', metric: 'Count', stat: 'Sum' },
        { kind: 'apiMethod', route: 'listOrders', metric: 'Count', stat: 'Sum' },
      ],
    },
    objective: { target: 0.9995 },
    timeWindow: window,
    minValidEventsPerHour: 60,
    stageOverrides: { dev: { target: 0.99 } },
  },
  {
    id: 'create-latency',
    displayName: 'Create order latency',
    description: '99% of POST /orders requests complete within 500 ms (API Gateway latency)',
    userImpact: 'Checkout feels slow; clients may time out and retry.',
    indicator: {
      kind: 'threshold',
      goodPercent: { kind: 'apiMethod', route: 'createOrder', metric: 'Latency', stat: 'PR(:500)' },
      valid: { kind: 'apiMethod', route: 'createOrder', metric: 'Latency', stat: 'SampleCount' },
    },
    objective: { target: 0.99 },
    timeWindow: window,
    minValidEventsPerHour: 60,
  },
  {
    id: 'fulfilment-success',
    displayName: 'Fulfilment success',
    description: 'Fulfilment messages are handled without failing the order',
    userImpact: 'Paid orders are not shipped.',
    indicator: {
      kind: 'ratio',
      bad: [{ kind: 'worker', metric: 'Failed', stat: 'Sum' }],
      valid: [{ kind: 'worker', metric: 'Processed', stat: 'Sum' }],
    },
    objective: { target: 0.999 },
    timeWindow: window,
    minValidEventsPerHour: 30,
  },
  {
    id: 'fulfilment-freshness',
    displayName: 'Fulfilment freshness',
    description: '99% of orders are fulfilled within 2 minutes of their creation',
    userImpact: 'Orders wait in the queue; shipping is late.',
    indicator: {
      kind: 'threshold',
      goodPercent: { kind: 'worker', metric: 'FulfilmentTime', stat: 'PR(:120000)' },
      valid: { kind: 'worker', metric: 'FulfilmentTime', stat: 'SampleCount' },
    },
    objective: { target: 0.99 },
    timeWindow: window,
    minValidEventsPerHour: 30,
  },
];
