/**
 * The alarms of synthesized CloudFormation templates, as the alarm engine evaluates them: every
 * `AWS::CloudWatch::Alarm` and `AWS::CloudWatch::CompositeAlarm` with its intrinsics resolved
 * (names, metric dimensions that name other stacks' resources, the child alarms of composite
 * rules and the actions suppressor, which CloudFormation writes as alarm ARNs and the engine
 * names by alarm name). The simulator and the local runtime's alarm evaluation both read alarms
 * here, so both evaluate exactly what `cdk deploy` creates.
 */

import {
  type CfnTemplate,
  isRecord,
  type LocalTarget,
  type StackTemplate,
  TemplateError,
  TemplateResolver,
} from '../../local/template.ts';
import {
  AlarmSet,
  CompositeAlarm,
  type CompositeAlarmProperties,
  MetricAlarm,
  type MetricAlarmProperties,
} from '../engine/alarms.ts';

/** Where an alarm is defined and what it notifies. */
interface AlarmOrigin {
  readonly stackName: string;
  readonly logicalId: string;
  /** The alarm's ARN in the local target's format. */
  readonly arn: string;
  /** `ActionsEnabled` (CloudWatch's default: true). */
  readonly actionsEnabled: boolean;
  /** Resolved `AlarmActions` (SNS topic ARNs in the local target's format). */
  readonly alarmActions: readonly string[];
  /** Resolved `OKActions`. */
  readonly okActions: readonly string[];
  /** Resolved `InsufficientDataActions`. */
  readonly insufficientDataActions: readonly string[];
}

export interface MetricAlarmDefinition extends AlarmOrigin {
  readonly name: string;
  readonly properties: MetricAlarmProperties;
}

export interface CompositeAlarmDefinition extends AlarmOrigin {
  readonly name: string;
  /** `AlarmRule` and `ActionsSuppressor` name alarms by name, as {@link AlarmSet} expects. */
  readonly properties: CompositeAlarmProperties;
  /** The rule as the template writes it (child alarms by ARN): what notifications carry. */
  readonly alarmRuleAsWritten: string;
}

export interface TemplateAlarms {
  readonly metricAlarms: readonly MetricAlarmDefinition[];
  readonly compositeAlarms: readonly CompositeAlarmDefinition[];
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` → `<name>`; a name stays as is. */
const alarmNameOf = (reference: string): string => {
  const match = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(reference);
  return match?.[1] ?? reference;
};

const stringList = (value: unknown, what: string): string[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new Error(`${what}: expected a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
};

/**
 * Resolves `value` in `stackName`; an `Fn::GetAtt` the local resolver does not model (a backup
 * vault's `BackupVaultName`, an ECS service's `Name`) becomes the resource's local physical name,
 * which is what such attributes are: the alarm's dimension only has to name the resource.
 */
const resolveLeniently = (
  resolver: TemplateResolver,
  stackName: string,
  value: unknown,
): unknown => {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isRecord(node)) return node;
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      try {
        return resolver.resolve(stackName, node);
      } catch (error) {
        const arg = node['Fn::GetAtt'];
        const logicalId = Array.isArray(arg) ? arg[0] : String(arg).split('.')[0];
        if (!(error instanceof TemplateError) || typeof logicalId !== 'string') throw error;
        return resolver.physicalName(stackName, logicalId);
      }
    }
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item)]));
  };
  return resolver.resolve(stackName, walk(value));
};

const isStackList = (value: unknown): value is { stacks: readonly StackTemplate[] } =>
  isRecord(value) && Array.isArray(value.stacks);

/**
 * Every alarm of `template`: one CloudFormation template, or a stage's synthesized stacks
 * (`{ stacks }`, what `synthesizeStage` returns), whose cross-stack references are then resolved
 * too. `target` sets the region, account and endpoint ARNs and URLs are resolved for (those of
 * the local runtime); by default the emulator's account in us-east-1.
 */
export const readAlarms = (
  template: object,
  target: LocalTarget = { endpoint: 'http://127.0.0.1' },
): TemplateAlarms => {
  const stacks: readonly StackTemplate[] = isStackList(template)
    ? template.stacks
    : [{ stackName: 'Template', template: template as CfnTemplate }];
  return alarmsOf(new TemplateResolver(stacks, target));
};

/** Every alarm of the resolver's stacks (see {@link readAlarms}). */
export const alarmsOf = (resolver: TemplateResolver): TemplateAlarms => {
  const metricAlarms: MetricAlarmDefinition[] = [];
  const compositeAlarms: CompositeAlarmDefinition[] = [];
  for (const { stackName, template: cfn } of resolver.stacks) {
    for (const [logicalId, resource] of Object.entries(cfn.Resources ?? {})) {
      if (
        resource.Type !== 'AWS::CloudWatch::Alarm' &&
        resource.Type !== 'AWS::CloudWatch::CompositeAlarm'
      ) {
        continue;
      }
      const where = `${stackName}/${logicalId}`;
      const resolved = resolveLeniently(resolver, stackName, resource.Properties ?? {});
      if (!isRecord(resolved)) throw new Error(`${where}: alarm properties are not an object`);
      const name = resolver.physicalName(stackName, logicalId);
      const origin: AlarmOrigin = {
        stackName,
        logicalId,
        arn: String(resolver.resolve(stackName, { 'Fn::GetAtt': [logicalId, 'Arn'] })),
        actionsEnabled: resolved.ActionsEnabled !== false,
        alarmActions: stringList(resolved.AlarmActions, `${where} AlarmActions`),
        okActions: stringList(resolved.OKActions, `${where} OKActions`),
        insufficientDataActions: stringList(
          resolved.InsufficientDataActions,
          `${where} InsufficientDataActions`,
        ),
      };
      if (resource.Type === 'AWS::CloudWatch::Alarm') {
        metricAlarms.push({
          ...origin,
          name,
          properties: { ...(resolved as unknown as MetricAlarmProperties), AlarmName: name },
        });
        continue;
      }
      if (typeof resolved.AlarmRule !== 'string') {
        throw new Error(`${where}: AlarmRule must resolve to a string`);
      }
      const rule = resolved.AlarmRule.replace(
        /\b(ALARM|OK|INSUFFICIENT_DATA)\(\s*("(?:[^"\\]|\\.)*"|[^\s()"]+)\s*\)/g,
        (_match, state: string, reference: string) => {
          const raw = reference.startsWith('"') ? (JSON.parse(reference) as string) : reference;
          return `${state}(${JSON.stringify(alarmNameOf(raw))})`;
        },
      );
      const suppressor =
        typeof resolved.ActionsSuppressor === 'string'
          ? alarmNameOf(resolved.ActionsSuppressor)
          : undefined;
      compositeAlarms.push({
        ...origin,
        name,
        alarmRuleAsWritten: resolved.AlarmRule,
        properties: {
          ...(resolved as unknown as CompositeAlarmProperties),
          AlarmName: name,
          AlarmRule: rule,
          ...(suppressor !== undefined && { ActionsSuppressor: suppressor }),
        },
      });
    }
  }
  return { metricAlarms, compositeAlarms };
};

/** The engine's {@link AlarmSet} for alarms read by {@link readAlarms}. */
export const alarmSetOf = (alarms: TemplateAlarms): AlarmSet =>
  new AlarmSet(
    alarms.metricAlarms.map((alarm) => new MetricAlarm(alarm.properties)),
    alarms.compositeAlarms.map((alarm) => new CompositeAlarm(alarm.properties)),
  );
