import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';

/**
 * The target holds what the synthesized Data stack defines. Expectations are read straight
 * from the template (not through the provisioning code), so a provisioning bug cannot hide.
 */
const stacks = inject('stacks');
const dataResources = Object.values(
  stacks.find((stack) => stack.stackName.endsWith('-Data'))?.template.Resources ?? {},
);
const templateOrdersTable = dataResources.find(
  (resource) =>
    resource.Type === 'AWS::DynamoDB::Table' &&
    (resource.Properties?.GlobalSecondaryIndexes as { IndexName: string }[] | undefined)?.length,
);
const templateQueue = dataResources.find(
  (resource) => resource.Type === 'AWS::SQS::Queue' && resource.Properties?.RedrivePolicy,
);

const dynamodb = new DynamoDBClient({ maxAttempts: 1 });
const sqs = new SQSClient({ maxAttempts: 1 });

afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
});

describe('the provisioned data plane', () => {
  it('finds the orders table and the redriven queue in the synthesized Data stack', () => {
    expect(templateOrdersTable).toBeDefined();
    expect(templateQueue).toBeDefined();
  });

  it('gives the orders table the key schema and GSIs of the template', async () => {
    const { Table } = await dynamodb.send(
      new DescribeTableCommand({ TableName: requireEnv(ENV.ordersTable) }),
    );
    const props = templateOrdersTable?.Properties as {
      KeySchema: unknown[];
      GlobalSecondaryIndexes: {
        IndexName: string;
        KeySchema: unknown[];
        Projection: { ProjectionType: string };
      }[];
    };

    expect(Table?.KeySchema).toEqual(props.KeySchema);
    expect(props.GlobalSecondaryIndexes.map((index) => index.IndexName)).toContain(
      requireEnv(ENV.ordersByCustomerIndex),
    );
    for (const index of props.GlobalSecondaryIndexes) {
      const actual = Table?.GlobalSecondaryIndexes?.find(
        (gsi) => gsi.IndexName === index.IndexName,
      );
      expect(actual?.KeySchema).toEqual(index.KeySchema);
      expect(actual?.Projection?.ProjectionType).toBe(index.Projection.ProjectionType);
    }
  });

  it('enables TTL on the attribute the template names', async () => {
    const { TimeToLiveDescription } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: requireEnv(ENV.ordersTable) }),
    );
    const spec = templateOrdersTable?.Properties?.TimeToLiveSpecification as {
      AttributeName: string;
    };

    expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
    expect(TimeToLiveDescription?.AttributeName).toBe(spec.AttributeName);
  });

  it("redrives the fulfilment queue to the DLQ after the template's maxReceiveCount", async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: requireEnv(ENV.fulfilmentQueueUrl),
        AttributeNames: ['RedrivePolicy'],
      }),
    );
    const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as {
      deadLetterTargetArn: string;
      maxReceiveCount: number | string;
    };
    const dlqName = redrive.deadLetterTargetArn.split(':').at(-1) ?? '';
    const { QueueUrl: dlqUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: dlqName }));
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const templateRedrive = templateQueue?.Properties?.RedrivePolicy as { maxReceiveCount: number };

    expect(dlqUrl).not.toBe(requireEnv(ENV.fulfilmentQueueUrl));
    expect(dlq.Attributes?.QueueArn).toBe(redrive.deadLetterTargetArn);
    expect(Number(redrive.maxReceiveCount)).toBe(templateRedrive.maxReceiveCount);
  });
});
