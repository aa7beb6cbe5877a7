import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { WORKER_TASK } from '#commons/metrics';
import { logger, metrics } from '#powertools';
import type { WorkerConfig } from './config.ts';
import { FulfilmentConsumer } from './consumer.ts';
import { createFulfilment } from './fulfil.ts';
import { type HealthServer, startHealthServer } from './health.ts';
import { FulfilmentOrders } from './orders.ts';
import { createTraceScope, traceClient } from './tracing.ts';
import { createWarehouseClient, type Warehouse } from './warehouse.ts';

export interface Worker {
  readonly consumer: FulfilmentConsumer;
  readonly health: HealthServer;
  /** Stops receiving, drains within the stop timeout, closes the health server. */
  stop(): Promise<{ finished: number; released: number }>;
}

export interface WorkerOverrides {
  /** @default the HTTP warehouse at `config.warehouseUrl` */
  readonly warehouse?: Warehouse;
}

/** Builds the worker from its settings and starts receiving and serving health checks. */
export const startWorker = async (
  config: WorkerConfig,
  overrides: WorkerOverrides = {},
): Promise<Worker> => {
  // Every metric of the worker is the orders service's, told apart from the API's by its task.
  metrics.setDefaultDimensions({ task: WORKER_TASK });
  const sqs = traceClient(new SQSClient({}), config.tracing);
  const dynamodb = traceClient(new DynamoDBClient({}), config.tracing);
  const orders = new FulfilmentOrders(
    DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    config.ordersTable,
  );
  const warehouse =
    overrides.warehouse ??
    createWarehouseClient({
      baseUrl: config.warehouseUrl,
      timeoutMs: config.warehouseTimeoutMs,
      maxRetries: config.warehouseMaxRetries,
    });
  const consumer = new FulfilmentConsumer({
    sqs,
    config,
    fulfil: createFulfilment({ orders, warehouse }),
    scope: createTraceScope(config.tracing),
  });
  const health = await startHealthServer(config.healthPort, {
    live: () => consumer.receiving,
    ready: {
      queue: async (signal) => {
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: config.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
          { abortSignal: signal },
        );
      },
      ordersTable: (signal) => orders.probe(signal),
    },
  });
  consumer.start();
  logger.info('Fulfilment worker started', {
    pollers: config.pollers,
    batchSize: config.batchSize,
    healthPort: health.port,
  });
  return {
    consumer,
    health,
    stop: async () => {
      const summary = await consumer.stop(config.stopTimeoutSeconds * 1000);
      await health.close();
      sqs.destroy();
      dynamodb.destroy();
      return summary;
    },
  };
};
