/** Every dashboard of the service; the stacks deploy each, the local runtime renders each. */
import { BUSINESS } from './business.ts';
import { SERVICE_OVERVIEW } from './service-overview.ts';
import type { DashboardDefinition } from './types.ts';

export const DASHBOARDS: readonly DashboardDefinition[] = [SERVICE_OVERVIEW, BUSINESS];

export { AWS_METRICS, isAwsMetric } from './aws-metrics.ts';
export { BUSINESS as BUSINESS_DASHBOARD } from './business.ts';
export { SAVED_QUERIES } from './queries.ts';
export { SERVICE_OVERVIEW } from './service-overview.ts';
export type * from './types.ts';
