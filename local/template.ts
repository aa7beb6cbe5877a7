/**
 * Reads synthesized CloudFormation templates: the data-plane resources the emulator must hold,
 * and the API routes the local runtime serves. The templates are the only source of truth:
 * nothing here lists tables, queues or routes by hand.
 *
 * {@link TemplateResolver} evaluates the intrinsics CDK emits (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue) against LOCAL physical names: a table
 * `OrdersTable1234` of stack `Orders-dev-Data` is `Orders-dev-Data-OrdersTable1234` in the
 * emulator, and its ARN, queue URL etc. follow moto's formats.
 */

import { FUNCTION_METADATA } from '#routes';
import type { CfnResource, CfnTemplate, StackTemplate } from '../cdk/synth.ts';

export type { CfnResource, CfnTemplate, StackTemplate };

/** Where the local copies live: the region, account and endpoint they are created in. */
export interface LocalTarget {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** moto's fixed account. @default '123456789012' */
  readonly accountId?: string;
  /** Emulator endpoint; queue URLs are built on it. */
  readonly endpoint: string;
}

/** A template the local tooling cannot interpret; the message names the stack and resource. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

interface Physical {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asString = (value: unknown, what: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${what}: expected a string, got ${JSON.stringify(value)}`);
};

const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Sub',
  'Fn::Select',
  'Fn::Split',
  'Fn::ImportValue',
  'Fn::If',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::GetAZs',
  'Fn::Transform',
  'Fn::Length',
  'Fn::ToJsonString',
  'Condition',
]);

/** The single key of an intrinsic function object (`{ 'Fn::GetAtt': [...] }`), if it is one. */
const intrinsicName = (value: unknown): string | undefined => {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] !== undefined && INTRINSICS.has(keys[0])
    ? keys[0]
    : undefined;
};

/** `Fn::GetAtt` in either form: `['Logical', 'Attr']` or `'Logical.Attr'`. */
const getAttParts = (arg: unknown): [string, string] => {
  if (
    Array.isArray(arg) &&
    arg.length === 2 &&
    typeof arg[0] === 'string' &&
    typeof arg[1] === 'string'
  ) {
    return [arg[0], arg[1]];
  }
  if (typeof arg === 'string' && arg.includes('.')) {
    const dot = arg.indexOf('.');
    return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  throw new TemplateError(`Malformed Fn::GetAtt: ${JSON.stringify(arg)}`);
};

/**
 * Resolves intrinsics against the local physical ids of every stack's resources. Physical ids
 * are deterministic (derived from stack name and logical id), so resolution needs no emulator
 * round-trip and provisioning can run in any order the references allow.
 */
export class TemplateResolver {
  readonly region: string;
  readonly accountId: string;
  readonly endpoint: string;
  readonly #stacks: ReadonlyMap<string, CfnTemplate>;
  readonly #exports = new Map<string, { stackName: string; value: unknown }>();

  constructor(
    readonly stacks: readonly StackTemplate[],
    target: LocalTarget,
  ) {
    this.region = target.region ?? 'us-east-1';
    this.accountId = target.accountId ?? '123456789012';
    this.endpoint = target.endpoint.replace(/\/+$/, '');
    this.#stacks = new Map(stacks.map((stack) => [stack.stackName, stack.template]));
    for (const stack of stacks) {
      for (const [outputId, output] of Object.entries(stack.template.Outputs ?? {})) {
        if (output.Export === undefined) continue;
        const name = asString(
          this.resolve(stack.stackName, output.Export.Name),
          `${stack.stackName} output ${outputId} export name`,
        );
        this.#exports.set(name, { stackName: stack.stackName, value: output.Value });
      }
    }
  }

  /** The resource `logicalId` of `stackName`, or a clear error. */
  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.#stacks.get(stackName)?.Resources?.[logicalId];
    if (resource === undefined) {
      throw new TemplateError(
        `${stackName}: no resource '${logicalId}' (referenced by an intrinsic)`,
      );
    }
    return resource;
  }

  /** The local physical name of a resource, e.g. a table name or queue name. */
  physicalName(stackName: string, logicalId: string): string {
    const resource = this.resource(stackName, logicalId);
    const props = resource.Properties ?? {};
    const literal = (key: string): string | undefined =>
      props[key] === undefined
        ? undefined
        : asString(this.resolve(stackName, props[key]), `${stackName}.${logicalId}.${key}`);
    const generated = `${stackName}-${logicalId}`;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return literal('TableName') ?? generated;
      case 'AWS::SQS::Queue': {
        const fifo =
          this.resolve(stackName, props.FifoQueue) === true || props.FifoQueue === 'true';
        // SQS names: 80 characters at most, a FIFO queue's ending in .fifo.
        return (
          literal('QueueName') ?? `${generated.slice(0, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`
        );
      }
      case 'AWS::SNS::Topic': {
        const fifo =
          this.resolve(stackName, props.FifoTopic) === true || props.FifoTopic === 'true';
        return literal('TopicName') ?? `${generated}${fifo ? '.fifo' : ''}`;
      }
      case 'AWS::SSM::Parameter':
        return literal('Name') ?? `/${stackName}/${logicalId}`;
      case 'AWS::Lambda::Function':
        return literal('FunctionName') ?? generated.slice(0, 64);
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return literal('AlarmName') ?? generated;
      default:
        return generated;
    }
  }

  #physical(stackName: string, logicalId: string): Physical {
    const resource = this.resource(stackName, logicalId);
    const name = this.physicalName(stackName, logicalId);
    const { region, accountId } = this;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return {
          ref: name,
          attributes: { Arn: `arn:aws:dynamodb:${region}:${accountId}:table/${name}` },
        };
      case 'AWS::SQS::Queue': {
        const url = `${this.endpoint}/${accountId}/${name}`;
        const arn = `arn:aws:sqs:${region}:${accountId}:${name}`;
        return { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
      }
      case 'AWS::SNS::Topic': {
        const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
        return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
      }
      case 'AWS::SSM::Parameter': {
        const props = resource.Properties ?? {};
        return {
          ref: name,
          attributes: {
            Type: asString(this.resolve(stackName, props.Type ?? 'String'), `${logicalId}.Type`),
            Value: asString(this.resolve(stackName, props.Value ?? ''), `${logicalId}.Value`),
          },
        };
      }
      case 'AWS::KMS::Key': {
        // Not created locally (encryption is not emulated); a stable fake id keeps references valid.
        const keyId = `local-${logicalId}`;
        return {
          ref: keyId,
          attributes: { Arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`, KeyId: keyId },
        };
      }
      case 'AWS::Lambda::Function':
        return {
          ref: name,
          attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${name}` },
        };
      case 'AWS::ECS::Service': {
        // Nothing runs it locally; its name is what the worker's dashboard widgets need.
        const arn = `arn:aws:ecs:${region}:${accountId}:service/${name}`;
        return { ref: arn, attributes: { Name: name, ServiceArn: arn } };
      }
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return {
          ref: name,
          attributes: { Arn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}` },
        };
      case 'AWS::StepFunctions::StateMachine': {
        const arn = `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
        return { ref: arn, attributes: { Arn: arn, Name: name } };
      }
      default:
        // A Ref to anything else is its physical id; attributes are unknown locally.
        return { ref: name, attributes: {} };
    }
  }

  #pseudo(stackName: string, name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.region}:${this.accountId}:stack/${stackName}/local`;
      case 'AWS::NoValue':
        return undefined;
      default:
        throw new TemplateError(`${stackName}: unsupported pseudo parameter ${name}`);
    }
  }

  #ref(stackName: string, name: string): unknown {
    if (name.startsWith('AWS::')) return this.#pseudo(stackName, name);
    const template = this.#stacks.get(stackName);
    const parameter = template?.Parameters?.[name];
    if (parameter !== undefined) {
      if (
        typeof parameter.Type === 'string' &&
        parameter.Type.startsWith('AWS::SSM::Parameter::')
      ) {
        return this.#ssmParameterValue(stackName, name, parameter.Type, parameter.Default);
      }
      if (parameter.Default === undefined) {
        throw new TemplateError(
          `${stackName}: parameter ${name} has no default, so it cannot be resolved locally`,
        );
      }
      return parameter.Default;
    }
    return this.#physical(stackName, name).ref;
  }

  /**
   * A parameter CloudFormation fills from SSM at deploy time (`valueForStringParameter`): its
   * default is the parameter's name, and locally its value is that of the synthesized
   * `AWS::SSM::Parameter` of that name, in whichever stack defines it.
   */
  #ssmParameterValue(stackName: string, name: string, type: string, ssmName: unknown): unknown {
    if (type !== 'AWS::SSM::Parameter::Value<String>') {
      throw new TemplateError(
        `${stackName}: parameter ${name} has type ${type}; the local runtime resolves only AWS::SSM::Parameter::Value<String>`,
      );
    }
    const wanted = asString(ssmName, `${stackName}: parameter ${name} default`);
    for (const [owner, template] of this.#stacks) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        if (resource.Type !== 'AWS::SSM::Parameter') continue;
        if (this.physicalName(owner, logicalId) !== wanted) continue;
        return this.resolve(owner, resource.Properties?.Value);
      }
    }
    throw new TemplateError(
      `${stackName}: parameter ${name} reads SSM parameter '${wanted}', which no synthesized stack defines (${[...this.#stacks.keys()].join(', ')})`,
    );
  }

  #getAtt(stackName: string, logicalId: string, attribute: string): string {
    const physical = this.#physical(stackName, logicalId);
    const value = physical.attributes[attribute];
    if (value === undefined) {
      const type = this.resource(stackName, logicalId).Type;
      throw new TemplateError(
        `${stackName}: Fn::GetAtt ${logicalId}.${attribute} (${type}) is not supported locally; supported: ${Object.keys(physical.attributes).join(', ') || 'none'}`,
      );
    }
    return value;
  }

  #sub(stackName: string, arg: unknown): string {
    const [text, variables] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (typeof text !== 'string')
      throw new TemplateError(`${stackName}: malformed Fn::Sub ${JSON.stringify(arg)}`);
    const vars = isRecord(variables) ? variables : {};
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
      if (literal === '!') return `\${${name}}`;
      if (name in vars)
        return asString(this.resolve(stackName, vars[name]), `Fn::Sub variable ${name}`);
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [logicalId, attribute] = getAttParts(name);
        return this.#getAtt(stackName, logicalId, attribute);
      }
      return asString(this.#ref(stackName, name), `Fn::Sub \${${name}}`);
    });
  }

  /** Evaluates every intrinsic in `value`, as CloudFormation would in stack `stackName`. */
  resolve(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stackName, item));
    if (!isRecord(value)) return value;
    const name = intrinsicName(value);
    if (name === undefined) {
      return Object.fromEntries(
        Object.entries(value)
          .map(([key, item]) => [key, this.resolve(stackName, item)] as const)
          .filter(([, item]) => item !== undefined),
      );
    }
    const arg = value[name];
    switch (name) {
      case 'Ref':
        return this.#ref(stackName, asString(arg, 'Ref'));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = getAttParts(arg);
        return this.#getAtt(stackName, logicalId, attribute);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string') {
          throw new TemplateError(`${stackName}: malformed Fn::Join ${JSON.stringify(arg)}`);
        }
        const parts = this.resolve(stackName, arg[1]);
        if (!Array.isArray(parts)) throw new TemplateError(`${stackName}: Fn::Join needs a list`);
        return parts.map((part) => asString(part, 'Fn::Join element')).join(arg[0]);
      }
      case 'Fn::Sub':
        return this.#sub(stackName, arg);
      case 'Fn::Select': {
        if (!Array.isArray(arg)) throw new TemplateError(`${stackName}: malformed Fn::Select`);
        const index = Number(this.resolve(stackName, arg[0]));
        const list = this.resolve(stackName, arg[1]);
        if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
          throw new TemplateError(`${stackName}: Fn::Select index ${index} out of range`);
        }
        return list[index];
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string')
          throw new TemplateError(`${stackName}: malformed Fn::Split`);
        return asString(this.resolve(stackName, arg[1]), 'Fn::Split source').split(arg[0]);
      }
      case 'Fn::ImportValue': {
        const exportName = asString(this.resolve(stackName, arg), 'Fn::ImportValue');
        const exported = this.#exports.get(exportName);
        if (exported === undefined) {
          throw new TemplateError(
            `${stackName}: Fn::ImportValue '${exportName}' matches no Output Export of the synthesized stacks (${[...this.#stacks.keys()].join(', ')})`,
          );
        }
        return this.resolve(exported.stackName, exported.value);
      }
      default:
        throw new TemplateError(
          `${stackName}: intrinsic ${name} is not supported by the local runtime (supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue)`,
        );
    }
  }

  /** Logical ids (same stack) that `value` references through Ref, Fn::GetAtt or Fn::Sub. */
  references(stackName: string, value: unknown): Set<string> {
    const found = new Set<string>();
    const resources = this.#stacks.get(stackName)?.Resources ?? {};
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(visit);
        return;
      }
      if (!isRecord(node)) return;
      const name = intrinsicName(node);
      if (name === 'Ref' && typeof node.Ref === 'string' && node.Ref in resources)
        found.add(node.Ref);
      if (name === 'Fn::GetAtt') found.add(getAttParts(node['Fn::GetAtt'])[0]);
      if (name === 'Fn::Sub') {
        const text = Array.isArray(node['Fn::Sub']) ? node['Fn::Sub'][0] : node['Fn::Sub'];
        for (const match of String(text).matchAll(/\$\{([^!}][^}.]*)(\.[^}]*)?\}/g)) {
          if (match[1] !== undefined && match[1] in resources) found.add(match[1]);
        }
      }
      Object.values(node).forEach(visit);
    };
    visit(value);
    return found;
  }
}

// ---------------------------------------------------------------------------------------------
// Data plane

/** A DynamoDB table as CreateTable needs it, plus its TTL. */
export interface TableSpec {
  readonly kind: 'table';
  readonly stackName: string;
  readonly logicalId: string;
  readonly tableName: string;
  readonly keySchema: readonly { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  readonly attributeDefinitions: readonly {
    AttributeName: string;
    AttributeType: 'S' | 'N' | 'B';
  }[];
  readonly globalSecondaryIndexes: readonly {
    IndexName: string;
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
    Projection: { ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
    ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  }[];
  readonly localSecondaryIndexes: readonly {
    IndexName: string;
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
    Projection: { ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }[];
  readonly billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  readonly provisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  readonly timeToLive?: { readonly attributeName: string; readonly enabled: boolean };
  readonly streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** Point-in-time recovery, as `PointInTimeRecoverySpecification` says. */
  readonly pointInTimeRecovery?: boolean;
}

/** An SQS queue and the attributes CreateQueue takes (RedrivePolicy already JSON, with the local DLQ ARN). */
export interface QueueSpec {
  readonly kind: 'queue';
  readonly stackName: string;
  readonly logicalId: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface TopicSpec {
  readonly kind: 'topic';
  readonly stackName: string;
  readonly logicalId: string;
  readonly topicName: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface SubscriptionSpec {
  readonly kind: 'subscription';
  readonly stackName: string;
  readonly logicalId: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ParameterSpec {
  readonly kind: 'parameter';
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly type: 'String' | 'StringList';
  readonly value: string;
  readonly description?: string;
}

/** A CloudWatch Logs log group: CloudFormation creates it before anything writes to it. */
export interface LogGroupSpec {
  readonly kind: 'logGroup';
  readonly stackName: string;
  readonly logicalId: string;
  readonly logGroupName: string;
  readonly retentionInDays?: number;
}

export type DataResourceSpec =
  | TableSpec
  | QueueSpec
  | TopicSpec
  | SubscriptionSpec
  | ParameterSpec
  | LogGroupSpec;

/** Resource types the emulator holds; everything else in a template is not provisioned locally. */
export const DATA_RESOURCE_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::SSM::Parameter',
  'AWS::Logs::LogGroup',
  // Created by secrets-manager.ts, not listed among the specs here.
  'AWS::SecretsManager::Secret',
] as const;

/** Queue properties that are CreateQueue attributes of the same name. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

const TOPIC_ATTRIBUTES = ['DisplayName', 'FifoTopic', 'ContentBasedDeduplication'] as const;

const SUBSCRIPTION_ATTRIBUTES = ['RawMessageDelivery', 'FilterPolicyScope'] as const;

const keySchema = (value: unknown, where: string): TableSpec['keySchema'] => {
  if (!Array.isArray(value) || value.length === 0)
    throw new TemplateError(`${where}: KeySchema missing`);
  return value.map((entry) => {
    if (!isRecord(entry)) throw new TemplateError(`${where}: malformed KeySchema`);
    return {
      AttributeName: asString(entry.AttributeName, where),
      KeyType: entry.KeyType as 'HASH' | 'RANGE',
    };
  });
};

const throughput = (value: unknown): TableSpec['provisionedThroughput'] => {
  if (!isRecord(value)) return undefined;
  return {
    ReadCapacityUnits: Number(value.ReadCapacityUnits ?? 1),
    WriteCapacityUnits: Number(value.WriteCapacityUnits ?? 1),
  };
};

const projection = (value: unknown): TableSpec['globalSecondaryIndexes'][number]['Projection'] => {
  if (!isRecord(value)) return { ProjectionType: 'ALL' };
  return {
    ...(value.ProjectionType !== undefined && { ProjectionType: value.ProjectionType as 'ALL' }),
    ...(Array.isArray(value.NonKeyAttributes) && {
      NonKeyAttributes: value.NonKeyAttributes.map(String),
    }),
  };
};

const stringAttributes = (
  props: Record<string, unknown>,
  names: readonly string[],
): Record<string, string> => {
  const attributes: Record<string, string> = {};
  for (const name of names) {
    const value = props[name];
    if (value === undefined) continue;
    attributes[name] =
      isRecord(value) || Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  return attributes;
};

const tableSpec = (
  resolver: TemplateResolver,
  stackName: string,
  logicalId: string,
  props: Record<string, unknown>,
): TableSpec => {
  const where = `${stackName}.${logicalId}`;
  const billingMode = props.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  // A global table (TableV2) keeps per-replica throughput elsewhere; on-demand is the local equivalent.
  const isGlobal = resolver.resource(stackName, logicalId).Type === 'AWS::DynamoDB::GlobalTable';
  const mode = isGlobal && props.BillingMode === undefined ? 'PAY_PER_REQUEST' : billingMode;
  const ttl = props.TimeToLiveSpecification;
  const stream = props.StreamSpecification;
  const provisioned = throughput(props.ProvisionedThroughput);
  return {
    kind: 'table',
    stackName,
    logicalId,
    tableName: resolver.physicalName(stackName, logicalId),
    keySchema: keySchema(props.KeySchema, where),
    attributeDefinitions: (Array.isArray(props.AttributeDefinitions)
      ? props.AttributeDefinitions
      : []
    ).map((entry: unknown) => {
      if (!isRecord(entry)) throw new TemplateError(`${where}: malformed AttributeDefinitions`);
      return {
        AttributeName: asString(entry.AttributeName, where),
        AttributeType: entry.AttributeType as 'S',
      };
    }),
    globalSecondaryIndexes: (Array.isArray(props.GlobalSecondaryIndexes)
      ? props.GlobalSecondaryIndexes
      : []
    ).map((index: unknown) => {
      if (!isRecord(index)) throw new TemplateError(`${where}: malformed GlobalSecondaryIndexes`);
      const indexThroughput = throughput(index.ProvisionedThroughput);
      return {
        IndexName: asString(index.IndexName, `${where} IndexName`),
        KeySchema: [...keySchema(index.KeySchema, `${where} GSI`)],
        Projection: projection(index.Projection),
        ...(mode === 'PROVISIONED' && {
          ProvisionedThroughput: indexThroughput ?? { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        }),
      };
    }),
    localSecondaryIndexes: (Array.isArray(props.LocalSecondaryIndexes)
      ? props.LocalSecondaryIndexes
      : []
    ).map((index: unknown) => {
      if (!isRecord(index)) throw new TemplateError(`${where}: malformed LocalSecondaryIndexes`);
      return {
        IndexName: asString(index.IndexName, `${where} IndexName`),
        KeySchema: [...keySchema(index.KeySchema, `${where} LSI`)],
        Projection: projection(index.Projection),
      };
    }),
    billingMode: mode,
    ...(mode === 'PROVISIONED' && {
      provisionedThroughput: provisioned ?? { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    }),
    ...(isRecord(ttl) &&
      ttl.AttributeName !== undefined && {
        timeToLive: {
          attributeName: asString(ttl.AttributeName, where),
          enabled: ttl.Enabled !== false,
        },
      }),
    ...(isRecord(stream) &&
      stream.StreamViewType !== undefined && {
        streamViewType: stream.StreamViewType as 'NEW_IMAGE',
      }),
    ...(isRecord(props.PointInTimeRecoverySpecification) &&
      props.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled === true && {
        pointInTimeRecovery: true,
      }),
  };
};

/**
 * Every data-plane resource of the templates (tables, queues, topics, subscriptions, SSM
 * parameters, log groups), with intrinsics resolved to local names, in an order where each resource comes
 * after those it references (a DLQ before its source queue, a topic before its subscriptions).
 */
export const extractDataResources = (resolver: TemplateResolver): DataResourceSpec[] => {
  const specs: DataResourceSpec[] = [];
  for (const { stackName, template } of resolver.stacks) {
    const resources = template.Resources ?? {};
    const wanted = Object.keys(resources).filter((id) =>
      (DATA_RESOURCE_TYPES as readonly string[]).includes(resources[id]?.Type ?? ''),
    );
    // Depth-first topological order over references between data resources of this stack.
    const ordered: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, path: readonly string[]): void => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting')
        throw new TemplateError(`${stackName}: reference cycle ${[...path, id].join(' -> ')}`);
      state.set(id, 'visiting');
      for (const dependency of resolver.references(stackName, resources[id]?.Properties ?? {})) {
        if (wanted.includes(dependency)) visit(dependency, [...path, id]);
      }
      state.set(id, 'done');
      ordered.push(id);
    };
    for (const id of wanted) visit(id, []);

    for (const logicalId of ordered) {
      const resource = resolver.resource(stackName, logicalId);
      if (resource.Condition !== undefined) {
        throw new TemplateError(
          `${stackName}.${logicalId}: conditional resources are not supported locally`,
        );
      }
      const props = resolver.resolve(stackName, resource.Properties ?? {}) as Record<
        string,
        unknown
      >;
      switch (resource.Type) {
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable':
          specs.push(tableSpec(resolver, stackName, logicalId, props));
          break;
        case 'AWS::SQS::Queue': {
          const attributes = stringAttributes(props, QUEUE_ATTRIBUTES);
          // Already resolved: deadLetterTargetArn is the local DLQ's ARN.
          if (props.RedrivePolicy !== undefined)
            attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
          if (props.RedriveAllowPolicy !== undefined) {
            attributes.RedriveAllowPolicy = JSON.stringify(props.RedriveAllowPolicy);
          }
          const queueUrl = resolver.resolve(stackName, { Ref: logicalId }) as string;
          specs.push({
            kind: 'queue',
            stackName,
            logicalId,
            queueName: resolver.physicalName(stackName, logicalId),
            queueUrl,
            arn: resolver.resolve(stackName, { 'Fn::GetAtt': [logicalId, 'Arn'] }) as string,
            attributes,
          });
          break;
        }
        case 'AWS::SNS::Topic':
          specs.push({
            kind: 'topic',
            stackName,
            logicalId,
            topicName: resolver.physicalName(stackName, logicalId),
            arn: resolver.resolve(stackName, { Ref: logicalId }) as string,
            attributes: stringAttributes(props, TOPIC_ATTRIBUTES),
          });
          break;
        case 'AWS::SNS::Subscription': {
          // The emulator runs no Lambda code: local/escalation.ts and local/triage.ts deliver to
          // the functions themselves.
          if (props.Protocol === 'lambda') break;
          const attributes = stringAttributes(props, SUBSCRIPTION_ATTRIBUTES);
          if (props.FilterPolicy !== undefined)
            attributes.FilterPolicy = JSON.stringify(props.FilterPolicy);
          if (props.RedrivePolicy !== undefined)
            attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
          specs.push({
            kind: 'subscription',
            stackName,
            logicalId,
            topicArn: asString(props.TopicArn, `${stackName}.${logicalId}.TopicArn`),
            protocol: asString(props.Protocol, `${stackName}.${logicalId}.Protocol`),
            endpoint: asString(props.Endpoint, `${stackName}.${logicalId}.Endpoint`),
            attributes,
          });
          break;
        }
        case 'AWS::SSM::Parameter':
          specs.push({
            kind: 'parameter',
            stackName,
            logicalId,
            name: resolver.physicalName(stackName, logicalId),
            type: props.Type === 'StringList' ? 'StringList' : 'String',
            value: asString(props.Value, `${stackName}.${logicalId}.Value`),
            ...(typeof props.Description === 'string' && { description: props.Description }),
          });
          break;
        case 'AWS::Logs::LogGroup':
          specs.push({
            kind: 'logGroup',
            stackName,
            logicalId,
            logGroupName: asString(
              resolver.resolve(stackName, { Ref: logicalId }),
              `${stackName}.${logicalId}`,
            ),
            ...(typeof props.RetentionInDays === 'number' && {
              retentionInDays: props.RetentionInDays,
            }),
          });
          break;
      }
    }
  }
  return specs;
};

/** Resource types present in the templates that the emulator does not hold (KMS keys, WAF...). */
export const listNotEmulated = (stacks: readonly StackTemplate[]): string[] => {
  const types = new Set<string>();
  for (const { template } of stacks) {
    for (const resource of Object.values(template.Resources ?? {})) {
      if (!(DATA_RESOURCE_TYPES as readonly string[]).includes(resource.Type))
        types.add(resource.Type);
    }
  }
  return [...types].sort();
};

// ---------------------------------------------------------------------------------------------
// API

export interface RouteFunction {
  readonly stackName: string;
  readonly logicalId: string;
  /** `orders:routeId` metadata. */
  readonly routeId: string;
  /** `orders:entry` metadata: the handler file, relative to the repository root. */
  readonly entry: string;
  /** `Environment.Variables` as written in the template (intrinsics unresolved). */
  readonly environment: Readonly<Record<string, unknown>>;
  /** Handler export name, from `Handler` (`index.handler` → `handler`). */
  readonly handlerExport: string;
  /** Local function name: the stack-scoped physical name. */
  readonly functionName: string;
  /** `Timeout` in seconds. @default 3 (Lambda's default) */
  readonly timeoutSeconds: number;
}

export interface ApiRoute {
  readonly stackName: string;
  readonly restApiLogicalId: string;
  readonly methodLogicalId: string;
  readonly method: string;
  /** Full resource path with `{param}` placeholders, e.g. `/orders/{orderId}/cancel`. */
  readonly path: string;
  readonly authorizationType: string;
  readonly authorizationScopes: readonly string[];
  readonly apiKeyRequired: boolean;
  /** The Lambda function a proxy integration calls, when it is one. */
  readonly function?: RouteFunction;
  /** A MOCK integration (CORS preflight): status and literal response headers. */
  readonly mock?: {
    readonly statusCode: number;
    readonly headers: Readonly<Record<string, string>>;
  };
}

const lambdaTargetOf = (
  uri: unknown,
  resources: Record<string, CfnResource>,
): string | undefined => {
  let found: string | undefined;
  const visit = (node: unknown): void => {
    if (found !== undefined) return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isRecord(node)) return;
    if (intrinsicName(node) === 'Fn::GetAtt') {
      const [logicalId, attribute] = getAttParts(node['Fn::GetAtt']);
      if (attribute === 'Arn' && resources[logicalId]?.Type === 'AWS::Lambda::Function')
        found = logicalId;
    }
    // An alias names its function with a Ref (the function's name).
    if (
      intrinsicName(node) === 'Ref' &&
      resources[String(node.Ref)]?.Type === 'AWS::Lambda::Function'
    ) {
      found = String(node.Ref);
      return;
    }
    if (
      intrinsicName(node) === 'Ref' &&
      resources[String(node.Ref)]?.Type === 'AWS::Lambda::Alias'
    ) {
      const alias = resources[String(node.Ref)];
      visit(alias?.Properties?.FunctionName);
    }
    Object.values(node).forEach(visit);
  };
  visit(uri);
  return found;
};

/** `"'value'"` → `value`: API Gateway static mapping values are quoted. */
const unquote = (value: unknown): string | undefined =>
  typeof value === 'string' && /^'.*'$/s.test(value) ? value.slice(1, -1) : undefined;

/**
 * Every API Gateway method of the templates, with its full path, authorization and the Lambda
 * function behind it. CORS preflight methods (OPTIONS with a MOCK integration) are left out
 * unless `includeCorsPreflight` is set. Sorted by path, then method.
 */
export const listApiRoutes = (
  stacks: readonly StackTemplate[],
  options: { readonly includeCorsPreflight?: boolean } = {},
): ApiRoute[] => {
  const routes: ApiRoute[] = [];
  for (const { stackName, template } of stacks) {
    const resources = template.Resources ?? {};
    const restApiOf = (ref: unknown): string | undefined => {
      if (isRecord(ref) && intrinsicName(ref) === 'Ref') return String(ref.Ref);
      return undefined;
    };
    const pathOf = (
      resourceId: unknown,
      seen: ReadonlySet<string> = new Set(),
    ): { restApi: string; path: string } => {
      if (isRecord(resourceId) && intrinsicName(resourceId) === 'Fn::GetAtt') {
        const [restApi, attribute] = getAttParts(resourceId['Fn::GetAtt']);
        if (attribute === 'RootResourceId') return { restApi, path: '' };
      }
      if (isRecord(resourceId) && intrinsicName(resourceId) === 'Ref') {
        const logicalId = String(resourceId.Ref);
        const resource = resources[logicalId];
        if (resource?.Type === 'AWS::ApiGateway::Resource' && !seen.has(logicalId)) {
          const parent = pathOf(resource.Properties?.ParentId, new Set([...seen, logicalId]));
          return {
            restApi: parent.restApi,
            path: `${parent.path}/${asString(resource.Properties?.PathPart, `${stackName}.${logicalId}.PathPart`)}`,
          };
        }
      }
      throw new TemplateError(
        `${stackName}: cannot resolve API resource path from ${JSON.stringify(resourceId)}`,
      );
    };

    for (const [methodLogicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::ApiGateway::Method') continue;
      const props = resource.Properties ?? {};
      const { restApi, path } = pathOf(props.ResourceId);
      const declaredApi = restApiOf(props.RestApiId);
      const method = asString(
        props.HttpMethod,
        `${stackName}.${methodLogicalId}.HttpMethod`,
      ).toUpperCase();
      const integration = isRecord(props.Integration) ? props.Integration : {};
      const base = {
        stackName,
        restApiLogicalId: declaredApi ?? restApi,
        methodLogicalId,
        method,
        path: path === '' ? '/' : path,
        authorizationType:
          typeof props.AuthorizationType === 'string' ? props.AuthorizationType : 'NONE',
        authorizationScopes: Array.isArray(props.AuthorizationScopes)
          ? props.AuthorizationScopes.map(String)
          : [],
        apiKeyRequired: props.ApiKeyRequired === true || props.ApiKeyRequired === 'true',
      };
      if (integration.Type === 'MOCK') {
        if (!options.includeCorsPreflight) continue;
        const first = Array.isArray(integration.IntegrationResponses)
          ? integration.IntegrationResponses[0]
          : undefined;
        const headers: Record<string, string> = {};
        if (isRecord(first) && isRecord(first.ResponseParameters)) {
          for (const [key, value] of Object.entries(first.ResponseParameters)) {
            const header = key.replace(/^method\.response\.header\./, '');
            const literal = unquote(value);
            if (literal !== undefined && header !== key) headers[header] = literal;
          }
        }
        const statusCode = isRecord(first) ? Number(first.StatusCode ?? 200) : 200;
        routes.push({ ...base, mock: { statusCode, headers } });
        continue;
      }
      const functionId = lambdaTargetOf(integration.Uri, resources);
      if (functionId === undefined) {
        throw new TemplateError(
          `${stackName}.${methodLogicalId} (${method} ${base.path}): integration ${String(integration.Type)} does not call a Lambda function of this stack; the local runtime serves only Lambda proxy and MOCK integrations`,
        );
      }
      const fn = resources[functionId];
      const metadata = fn?.Metadata ?? {};
      const routeId = metadata[FUNCTION_METADATA.routeId];
      const entry = metadata[FUNCTION_METADATA.entry];
      if (typeof routeId !== 'string' || typeof entry !== 'string') {
        throw new TemplateError(
          `${stackName}.${functionId}: Metadata '${FUNCTION_METADATA.routeId}' and '${FUNCTION_METADATA.entry}' are required for the local runtime to find the handler`,
        );
      }
      const variables = isRecord(fn?.Properties?.Environment)
        ? fn.Properties.Environment.Variables
        : undefined;
      const handler =
        typeof fn?.Properties?.Handler === 'string' ? fn.Properties.Handler : 'index.handler';
      routes.push({
        ...base,
        function: {
          stackName,
          logicalId: functionId,
          routeId,
          entry,
          environment: isRecord(variables) ? variables : {},
          handlerExport: handler.slice(handler.lastIndexOf('.') + 1) || 'handler',
          functionName:
            typeof fn?.Properties?.FunctionName === 'string'
              ? fn.Properties.FunctionName
              : `${stackName}-${functionId}`.slice(0, 64),
          timeoutSeconds: Number(fn?.Properties?.Timeout ?? 3),
        },
      });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
};

/**
 * The environment of each route's function, resolved to local names, and their union.
 * Throws when two functions give one variable different values: the local runtime runs every
 * handler in one process, so it can hold only one value.
 */
export const resolveFunctionEnvironments = (
  resolver: TemplateResolver,
  routes: readonly ApiRoute[],
): {
  readonly union: Record<string, string>;
  readonly byRoute: Record<string, Record<string, string>>;
} => {
  const union: Record<string, string> = {};
  const origin: Record<string, string> = {};
  const byRoute: Record<string, Record<string, string>> = {};
  for (const route of routes) {
    const fn = route.function;
    if (fn === undefined || byRoute[fn.routeId] !== undefined) continue;
    const env: Record<string, string> = {};
    for (const [name, raw] of Object.entries(fn.environment)) {
      const value = asString(
        resolver.resolve(fn.stackName, raw),
        `${fn.stackName}.${fn.logicalId} env ${name}`,
      );
      env[name] = value;
      if (union[name] !== undefined && union[name] !== value) {
        throw new TemplateError(
          `Environment variable ${name} differs between functions (${origin[name]}: '${union[name]}', ${fn.routeId}: '${value}'); the local runtime runs all handlers in one process and needs one value`,
        );
      }
      union[name] = value;
      origin[name] = fn.routeId;
    }
    byRoute[fn.routeId] = env;
  }
  return { union, byRoute };
};
