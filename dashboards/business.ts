import type { DashboardDefinition } from './types.ts';

/** What the business asks first: how many orders, how much, how many cancelled, how fast fulfilled. */
export const BUSINESS: DashboardDefinition = {
  id: 'business',
  title: 'Orders: business',
  rows: [
    [
      {
        type: 'graph',
        title: 'Orders created',
        lines: [
          {
            source: 'custom',
            metric: 'OrdersCreated',
            statistic: 'Sum',
            scope: { route: 'createOrder' },
            label: 'orders',
          },
        ],
      },
      {
        type: 'graph',
        title: 'Order value (cents)',
        lines: [
          {
            source: 'custom',
            metric: 'OrderValue',
            statistic: 'Sum',
            scope: { route: 'createOrder' },
            label: 'total',
          },
          {
            source: 'custom',
            metric: 'OrderValue',
            statistic: 'Average',
            scope: { route: 'createOrder' },
            label: 'average order',
          },
        ],
      },
      {
        type: 'graph',
        title: 'Orders cancelled',
        lines: [
          {
            source: 'custom',
            metric: 'OrdersCancelled',
            statistic: 'Sum',
            scope: { route: 'cancelOrder' },
            label: 'cancelled',
          },
        ],
      },
    ],
    [
      {
        type: 'graph',
        title: 'Time from order to fulfilment',
        lines: [
          {
            source: 'custom',
            metric: 'FulfilmentTime',
            statistic: 'p50',
            scope: { task: 'fulfilment' },
            label: 'p50',
          },
          {
            source: 'custom',
            metric: 'FulfilmentTime',
            statistic: 'p99',
            scope: { task: 'fulfilment' },
            label: 'p99',
          },
        ],
        yLabel: 'ms',
        width: 12,
      },
      {
        type: 'graph',
        title: 'Fulfilled and failed',
        lines: [
          {
            source: 'custom',
            metric: 'Processed',
            statistic: 'Sum',
            scope: { task: 'fulfilment' },
            label: 'processed',
          },
          {
            source: 'custom',
            metric: 'Failed',
            statistic: 'Sum',
            scope: { task: 'fulfilment' },
            label: 'failed',
          },
        ],
        width: 12,
      },
    ],
  ],
};
