import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  type IAlarmAction,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '#commons/metric-catalog';
import type { StageConfig } from '#config/stages';
import { ROUTES } from '#routes';
import { SLO_DASHBOARD } from '../../dashboards/slo.ts';
import { SLOS } from '../../slos/definitions.ts';
import {
  BURN_RATE_POLICY,
  type BurnRateWindow,
  type MetricSourceRef,
  type SloDefinition,
  targetIn,
} from '../../slos/spec.ts';

export interface SloAlarmsProps {
  readonly config: StageConfig;
  /** The REST API's name (the `ApiName` dimension of its metrics). */
  readonly apiName: string;
  /** Where each severity's composite alarms notify. @default - no actions (the alarms still evaluate) */
  readonly actions?: Readonly<Partial<Record<BurnRateWindow['severity'], IAlarmAction>>>;
  /** Base URL of the runbooks; each alarm's description links `<base>/<alarm id>.md`. */
  readonly runbookBaseUrl: string;
  /** @default every SLO in `slos/definitions.ts` */
  readonly slos?: readonly SloDefinition[];
}

/** The id of the alarm that pages or tickets for one SLO and window, e.g. `slo-create-latency-page-fast`. */
export const sloAlarmId = (slo: SloDefinition, window: BurnRateWindow): string =>
  `slo-${slo.id}-${window.id}`;

const routeById = new Map(ROUTES.map((route) => [route.id, route]));

const metricOf = (
  source: MetricSourceRef,
  config: StageConfig,
  apiName: string,
  period: Duration,
) => {
  if (source.kind === 'apiMethod') {
    const route = routeById.get(source.route);
    if (route === undefined) throw new Error(`SLO metric names unknown route ${source.route}`);
    return new Metric({
      namespace: 'AWS/ApiGateway',
      metricName: source.metric,
      dimensionsMap: {
        ApiName: apiName,
        Stage: config.stage,
        Method: route.method,
        Resource: route.path,
      },
      statistic: source.stat,
      period,
    });
  }
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: source.metric,
    dimensionsMap: { service: METRICS_SERVICE, stage: config.stage, task: 'fulfilment' },
    statistic: source.stat,
    period,
  });
};

/**
 * The burn rate of an SLO over one window, as metric math: the error ratio divided by the error
 * budget (1 − target). Below the low-traffic guard (too few valid events for the window) it is
 * 0, so a quiet night's single error never pages.
 */
export const burnRateExpression = (
  slo: SloDefinition,
  target: number,
  minutes: number,
  config: StageConfig,
  apiName: string,
  /** Appended to the metric ids, so several windows can share one graph. @default '' */
  idSuffix = '',
): MathExpression => {
  const period = Duration.minutes(minutes);
  const guard = Math.max(1, Math.ceil((slo.minValidEventsPerHour * minutes) / 60));
  // Rounded: 1 - 0.999 is 0.0010000000000000009 in floating point.
  const budget = Number((1 - target).toPrecision(12));
  const usingMetrics: Record<string, Metric> = {};
  let errorRatio: string;
  let valid: string;
  if (slo.indicator.kind === 'ratio') {
    const bad = slo.indicator.bad.map((source, index) => {
      usingMetrics[`bad${index}${idSuffix}`] = metricOf(source, config, apiName, period);
      return `FILL(bad${index}${idSuffix}, 0)`;
    });
    const counted = slo.indicator.valid.map((source, index) => {
      usingMetrics[`valid${index}${idSuffix}`] = metricOf(source, config, apiName, period);
      return `FILL(valid${index}${idSuffix}, 0)`;
    });
    valid = `(${counted.join(' + ')})`;
    errorRatio = `(${bad.join(' + ')}) / ${valid}`;
  } else {
    usingMetrics[`good${idSuffix}`] = metricOf(slo.indicator.goodPercent, config, apiName, period);
    usingMetrics[`valid0${idSuffix}`] = metricOf(slo.indicator.valid, config, apiName, period);
    valid = `FILL(valid0${idSuffix}, 0)`;
    errorRatio = `(100 - FILL(good${idSuffix}, 100)) / 100`;
  }
  return new MathExpression({
    expression: `IF(${valid} >= ${guard}, ${errorRatio} / ${budget}, 0)`,
    usingMetrics,
    period,
    label: `${slo.id} burn rate over ${minutes} min`,
  });
};

/**
 * Multi-window, multi-burn-rate alarms for every SLO of the stage (see `slos/spec.ts`): per window
 * pair a long-window and a short-window metric alarm on the burn rate, and a composite alarm that
 * is in ALARM only when both are. The composites form an actions-suppressor chain (the slow page
 * is held while the fast page is in ALARM, the ticket while the slow page is), so one incident
 * notifies once. Missing data is not breaching: no traffic spends no budget.
 */
export class SloAlarms extends Construct {
  /** The composite alarm of each SLO and window, by `sloAlarmId`. */
  public readonly composites: ReadonlyMap<string, CompositeAlarm>;
  /** Every metric alarm (long and short windows). */
  public readonly windowAlarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: SloAlarmsProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `${config.appName}-${config.stage}`;
    const composites = new Map<string, CompositeAlarm>();
    const windowAlarms: Alarm[] = [];

    for (const slo of props.slos ?? SLOS) {
      const target = targetIn(slo, config.stage);
      if (target === undefined) continue;
      let previous: CompositeAlarm | undefined;
      for (const window of BURN_RATE_POLICY) {
        const alarmId = sloAlarmId(slo, window);
        const runbook = `${props.runbookBaseUrl.replace(/\/+$/, '')}/${alarmId}.md`;
        const description = (span: string) =>
          `${slo.displayName} (${(target * 100).toFixed(2)}% over 30 days) burning ${window.burnRate}x the budget over ${span}. ${slo.userImpact} Runbook: ${runbook}`;
        const [long, short] = [window.longWindowMinutes, window.shortWindowMinutes].map(
          (minutes, index) => {
            const alarm = burnRateExpression(
              slo,
              target,
              minutes,
              config,
              props.apiName,
            ).createAlarm(this, `${alarmId}-${index === 0 ? 'long' : 'short'}`, {
              alarmName: `${prefix}-${alarmId}-${index === 0 ? 'long' : 'short'}`,
              alarmDescription: description(`${minutes} min`),
              // At the burn rate exactly, the window has spent its share of the budget.
              comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
              threshold: window.burnRate,
              evaluationPeriods: 1,
              datapointsToAlarm: 1,
              treatMissingData: TreatMissingData.NOT_BREACHING,
            });
            windowAlarms.push(alarm);
            return alarm;
          },
        ) as [Alarm, Alarm];
        const composite = new CompositeAlarm(this, alarmId, {
          compositeAlarmName: `${prefix}-${alarmId}`,
          alarmDescription: description(
            `${window.longWindowMinutes} min and ${window.shortWindowMinutes} min`,
          ),
          alarmRule: AlarmRule.allOf(
            AlarmRule.fromAlarm(long, AlarmState.ALARM),
            AlarmRule.fromAlarm(short, AlarmState.ALARM),
          ),
          ...(previous && {
            actionsSuppressor: previous,
            actionsSuppressorWaitPeriod: Duration.minutes(2),
            actionsSuppressorExtensionPeriod: Duration.minutes(60),
          }),
        });
        const action = props.actions?.[window.severity];
        if (action) {
          composite.addAlarmAction(action);
          composite.addOkAction(action);
        }
        composites.set(alarmId, composite);
        previous = composite;
      }
    }
    this.composites = composites;
    this.windowAlarms = windowAlarms;
  }
}

/**
 * The SLO dashboard (`dashboards/slo.ts`): SLI, error budget left and burn rates of every SLO,
 * from the same metric math as the alarms. It goes in the stack of the service's other
 * dashboards, after them, so the local dashboard page still opens on the service overview.
 */
export const addSloDashboard = (
  scope: Construct,
  props: Pick<SloAlarmsProps, 'config' | 'apiName' | 'slos'>,
): Dashboard => {
  const { config } = props;
  const prefix = `${config.appName}-${config.stage}`;
  const dashboard = new Dashboard(scope, 'SloDashboard', {
    dashboardName: `${prefix}-${SLO_DASHBOARD.id}`,
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown: `# ${SLO_DASHBOARD.title}: ${config.appName} ${config.stage}\nSLI and error budget over the rolling 30 days; burn rate = error ratio / budget, per alerting window (dashed: its threshold). Policy and runbooks: docs/slos.md.`,
      width: 24,
      height: 2,
    }),
  );
  const month = 30 * 24 * 60;
  for (const slo of props.slos ?? SLOS) {
    const target = targetIn(slo, config.stage);
    if (target === undefined) continue;
    const burn = (minutes: number) =>
      burnRateExpression(slo, target, minutes, config, props.apiName, `_${minutes}`);
    const monthly = burn(month);
    const budget = Number((1 - target).toPrecision(12));
    const summary = SLO_DASHBOARD.summary.map((panel) =>
      panel === 'sli'
        ? new MathExpression({
            expression: `100 * (1 - monthBurn * ${budget})`,
            usingMetrics: { monthBurn: monthly },
            period: Duration.minutes(month),
            label: `SLI, 30 d (objective ${(target * 100).toFixed(2)}%)`,
          })
        : new MathExpression({
            expression: '100 * (1 - monthBurn)',
            usingMetrics: { monthBurn: monthly },
            period: Duration.minutes(month),
            label: 'Error budget left, 30 d (%)',
          }),
    );
    dashboard.addWidgets(
      new SingleValueWidget({
        title: slo.displayName,
        metrics: summary,
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: `${slo.displayName}: burn rate per window`,
        left: SLO_DASHBOARD.burnWindows.map((window) => burn(window.minutes)),
        leftAnnotations: [...new Set(SLO_DASHBOARD.burnWindows.map((w) => w.threshold))].map(
          (value) => ({ value, label: `${value}x` }),
        ),
        width: 16,
        height: 6,
      }),
    );
  }
  return dashboard;
};
