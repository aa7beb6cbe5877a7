import {
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  acknowledgedIncident,
  CATALOG_ITEMS,
  CATALOG_TABLE,
  INCIDENTS_TABLE,
  PRICING_QUOTE,
  storedIncident,
  storedOrder,
  storedTriageRecord,
  storedTriageReview,
  TRIAGE_BY_OPENED_INDEX,
  TRIAGE_TABLE,
} from './fixtures.ts';

/** SDK calls and fetches made so far, by `Client.Command` name. */
export type CallCounts = Record<string, number>;

export interface InstalledMocks {
  readonly calls: () => CallCounts;
}

/**
 * Installs the one set of mocks every per-request measurement uses, baseline and routes alike:
 * `aws-sdk-client-mock` stubs of `send` on every client class the code uses, and a stubbed
 * global `fetch` answering the pricing service's quote. Call before importing any handler, since
 * handlers may capture `fetch` while loading.
 */
export const installMocks = (): InstalledMocks => {
  const order = storedOrder();
  const page = Array.from({ length: 10 }, () => order);
  // The operator routes' tables. The stored incident stays OPEN: acknowledging or resolving it
  // succeeds on every request, as the first request on a fresh incident would.
  const incident = storedIncident();
  const incidents = Array.from({ length: 10 }, () => incident);
  const record = storedTriageRecord();
  const records = Array.from({ length: 10 }, () => record);
  // One behaviour per command class, choosing its answer by table: input matchers would make the
  // mock deep-compare every call against each of them, a cost that grows with the input (a
  // transaction costs more than a put) and that no real client pays.
  const byTable =
    <T>(answers: { incidents?: T; triage?: T; orders: T }) =>
    (input: { TableName?: string }): T =>
      (input.TableName === INCIDENTS_TABLE
        ? answers.incidents
        : input.TableName === TRIAGE_TABLE
          ? answers.triage
          : undefined) ?? answers.orders;
  const documents = mockClient(DynamoDBDocumentClient);
  documents
    .on(GetCommand)
    .callsFake(
      byTable({ orders: { Item: order }, incidents: { Item: incident }, triage: { Item: record } }),
    )
    .on(PutCommand)
    .resolves({})
    // createOrder with an Idempotency-Key: the order and its idempotency mark, in one transaction.
    .on(TransactWriteCommand)
    .resolves({})
    .on(DeleteCommand)
    .resolves({})
    .on(QueryCommand)
    .callsFake((input: { TableName?: string; IndexName?: string }) =>
      byTable<object>({
        orders: { Items: page, Count: page.length },
        incidents: { Items: incidents, Count: incidents.length },
        // On the index: the newest records; without it: an incident's audit trail.
        triage:
          input.IndexName === TRIAGE_BY_OPENED_INDEX
            ? { Items: records, Count: records.length }
            : { Items: [storedTriageReview()], Count: 1 },
      })(input),
    )
    .on(BatchGetCommand)
    .resolves({ Responses: { [CATALOG_TABLE]: CATALOG_ITEMS } })
    .on(UpdateCommand)
    .callsFake(
      byTable<object>({
        orders: { Attributes: { ...order, status: 'CANCELLED', cancelledAt: order.updatedAt } },
        incidents: { Attributes: acknowledgedIncident() },
      }),
    );
  // The idempotency persistence layer talks to DynamoDB without the document client.
  const dynamodb = mockClient(DynamoDBClient);
  dynamodb
    .on(PutItemCommand)
    .resolves({})
    .on(UpdateItemCommand)
    .resolves({})
    .on(DeleteItemCommand)
    .resolves({})
    .on(GetItemCommand)
    .resolves({})
    // The health check describes the orders table.
    .on(DescribeTableCommand)
    .resolves({ Table: { TableStatus: 'ACTIVE' } });
  const sqs = mockClient(SQSClient);
  sqs.on(SendMessageCommand).resolves({ MessageId: '00000000-0000-4000-8000-000000000000' });
  // startTriage hands the run to the triage function, asynchronously.
  const lambda = mockClient(LambdaClient);
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"enabled":false}' } });

  const quote = JSON.stringify(PRICING_QUOTE);
  let fetches = 0;
  globalThis.fetch = async () => {
    fetches += 1;
    return new Response(quote, { status: 200, headers: { 'content-type': 'application/json' } });
  };

  const count = (
    prefix: string,
    stub: { calls: () => { args: unknown[] }[] },
    into: CallCounts,
  ) => {
    for (const call of stub.calls()) {
      const name = `${prefix}.${(call.args[0] as object).constructor.name}`;
      into[name] = (into[name] ?? 0) + 1;
    }
  };
  return {
    calls: () => {
      const counts: CallCounts = {};
      count('DocumentClient', documents, counts);
      count('DynamoDBClient', dynamodb, counts);
      count('SQSClient', sqs, counts);
      count('LambdaClient', lambda, counts);
      count('SSMClient', ssm, counts);
      if (fetches > 0) counts.fetch = fetches;
      return counts;
    },
  };
};
