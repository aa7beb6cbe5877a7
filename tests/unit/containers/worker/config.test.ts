import { describe, expect, it } from 'vitest';
import { readWorkerConfig, WorkerConfigError } from '../../../../containers/worker/src/config.ts';
import { traceIdOf } from '../../../../containers/worker/src/consumer.ts';
import { WORKER_ENV } from '../../../../containers/worker/src/env.ts';
import { parseTraceHeader } from '../../../../containers/worker/src/tracing.ts';

const required = {
  [WORKER_ENV.ordersTable]: 'orders',
  [WORKER_ENV.queueUrl]: 'http://127.0.0.1:5000/123456789012/q',
  [WORKER_ENV.dlqUrl]: 'http://127.0.0.1:5000/123456789012/dlq',
  [WORKER_ENV.warehouseUrl]: 'http://127.0.0.1:6000',
};

describe('worker settings', () => {
  it('applies defaults to everything but the resources', () => {
    expect(readWorkerConfig(required)).toMatchObject({
      pollers: 2,
      batchSize: 10,
      waitSeconds: 20,
      visibilitySeconds: 30,
      stopTimeoutSeconds: 25,
      healthPort: 8080,
      tracing: false,
    });
  });

  it('names the missing variable', () => {
    const { [WORKER_ENV.dlqUrl]: _dlq, ...rest } = required;
    expect(() => readWorkerConfig(rest)).toThrow(
      new WorkerConfigError(
        'Missing environment variable FULFILMENT_DLQ_URL: the task definition sets it (locally: npm start)',
      ),
    );
  });

  it('refuses a batch size SQS would refuse', () => {
    expect(() => readWorkerConfig({ ...required, [WORKER_ENV.batchSize]: '11' })).toThrow(
      /WORKER_BATCH_SIZE must be a whole number from 1 to 10, got '11'/,
    );
  });

  it('refuses a warehouse URL that is not a URL', () => {
    expect(() => readWorkerConfig({ ...required, [WORKER_ENV.warehouseUrl]: 'warehouse' })).toThrow(
      /WAREHOUSE_URL must be a URL/,
    );
  });
});

describe('trace headers from messages', () => {
  const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

  it('reads the root and parent', () => {
    expect(parseTraceHeader(header)).toEqual({
      root: '1-5759e988-bd862e3fe1be46a994272793',
      parent: '53995c3f42cd8ad8',
    });
    expect(traceIdOf(header)).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });

  it('reads nothing from a header without them', () => {
    expect(parseTraceHeader('Sampled=0')).toEqual({});
    expect(traceIdOf('Sampled=0')).toBeUndefined();
  });
});
