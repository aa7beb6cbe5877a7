import { describe, expect, it } from 'vitest';
import { parseOrderEvent } from '#commons/events';
import {
  compileEventPattern,
  compileInputTemplate,
  extractPipes,
  type PipeContext,
} from '#local/pipes';
import { type StackTemplate, TemplateError, TemplateResolver } from '#local/template';
import { synthesized } from '#tests/unit/cdk/helpers';

const context: PipeContext = {
  pipeName: 'p',
  pipeArn: 'arn:aws:pipes:us-east-1:123456789012:pipe/p',
  sourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/1',
  targetArn: 'arn:aws:sqs:us-east-1:123456789012:q',
  ingestionTime: '2026-11-27T10:00:00.000Z',
};

const orderId = `ord_${'a'.repeat(32)}`;
const image = (status: string, lastEvent: string, extra: Record<string, unknown> = {}) => ({
  orderId: { S: orderId },
  status: { S: status },
  updatedAt: { S: '2026-11-27T10:00:00.000Z' },
  lastEvent: { S: lastEvent },
  correlationId: { S: 'req-1' },
  traceHeader: { S: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' },
  totalCents: { N: '2700' },
  ...extra,
});
const record = (
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  images: { NewImage?: object; OldImage?: object },
) => ({
  eventID: `evt-${eventName}-${Math.random().toString(16).slice(2)}`,
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  dynamodb: { Keys: { orderId: { S: orderId } }, StreamViewType: 'NEW_AND_OLD_IMAGES', ...images },
});

describe('the dev stage outbox pipe, played from its template', () => {
  const dev = synthesized('dev');
  const stacks: StackTemplate[] = [
    { stackName: dev.built.data.stackName, template: dev.data.toJSON() },
    { stackName: dev.built.api.stackName, template: dev.api.toJSON() },
  ];
  const resolver = new TemplateResolver(stacks, { endpoint: 'http://127.0.0.1:5000' });
  const [pipe] = extractPipes(resolver);
  if (!pipe) throw new Error('the dev stage has no pipe');
  const filters = pipe.patterns.map((pattern) => compileEventPattern(JSON.parse(pattern)));
  const transform = compileInputTemplate(pipe.inputTemplate);
  /** The message the pipe sends for a record, or undefined when its filters drop it. */
  const play = (event: ReturnType<typeof record>) =>
    filters.some((filter) => filter(event)) ? transform(event, context) : undefined;

  it('reads the source table, target queue and DLQ from the template as local resources', () => {
    expect(pipe.tableName).toMatch(/^Orders-dev-Data-OrdersTable/);
    expect(pipe.targetQueueUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:5000\/123456789012\/Orders-dev-Data-FulfilmentQueue/,
    );
    expect(pipe.deadLetterQueueUrl).toMatch(/OutboxDeadLetterQueue/);
    expect(pipe.startingPosition).toBe('TRIM_HORIZON');
  });

  it('turns a created order into an OrderCreated message of the contract', () => {
    // Prepare
    const event = record('INSERT', { NewImage: image('PENDING', 'OrderCreated') });

    // Act
    const body = play(event);

    // Assess
    const parsed = parseOrderEvent(body ?? '');
    expect(parsed).toEqual({
      ok: true,
      event: {
        schemaVersion: 1,
        type: 'OrderCreated',
        eventId: event.eventID,
        orderId,
        occurredAt: '2026-11-27T10:00:00.000Z',
        correlationId: 'req-1',
        traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      },
    });
  });

  it('turns a cancel into an OrderCancelled message', () => {
    const body = play(
      record('MODIFY', {
        OldImage: image('PROCESSING', 'OrderCreated'),
        NewImage: image('CANCELLED', 'OrderCancelled'),
      }),
    );

    expect(parseOrderEvent(body ?? '')).toMatchObject({
      ok: true,
      event: { type: 'OrderCancelled' },
    });
  });

  it.each([
    ['a worker status update', 'PENDING', 'PROCESSING', 'OrderCreated', 'OrderCreated'],
    ['fulfilment', 'PROCESSING', 'FULFILLED', 'OrderCreated', 'OrderCreated'],
    ['a change to a cancelled order', 'CANCELLED', 'CANCELLED', 'OrderCancelled', 'OrderCancelled'],
  ])('sends nothing for %s', (_name, oldStatus, newStatus, oldEvent, newEvent) => {
    expect(
      play(
        record('MODIFY', {
          OldImage: image(oldStatus, oldEvent),
          NewImage: image(newStatus, newEvent),
        }),
      ),
    ).toBeUndefined();
  });

  it('sends nothing when an order is deleted (TTL)', () => {
    expect(
      play(record('REMOVE', { OldImage: image('CANCELLED', 'OrderCancelled') })),
    ).toBeUndefined();
  });
});

describe('compileEventPattern (EventBridge semantics)', () => {
  it('matches any listed value, and a list in the event when one element matches', () => {
    const match = compileEventPattern({ a: ['x', 'y'], tags: ['t2'] });

    expect(match({ a: 'y', tags: ['t1', 't2'] })).toBe(true);
    expect(match({ a: 'z', tags: ['t2'] })).toBe(false);
    expect(match({ tags: ['t2'] })).toBe(false);
  });

  it('compares numbers as numbers and never matches a string against a number', () => {
    const match = compileEventPattern({ n: [5] });

    expect(match({ n: 5 })).toBe(true);
    expect(match({ n: '5' })).toBe(false);
  });

  it('supports prefix, suffix, equals-ignore-case, exists and anything-but', () => {
    expect(compileEventPattern({ a: [{ prefix: 'ord_' }] })({ a: 'ord_1' })).toBe(true);
    expect(compileEventPattern({ a: [{ suffix: '.json' }] })({ a: 'x.txt' })).toBe(false);
    expect(compileEventPattern({ a: [{ 'equals-ignore-case': 'EUR' }] })({ a: 'eur' })).toBe(true);
    expect(compileEventPattern({ a: [{ exists: false }] })({ b: 1 })).toBe(true);
    expect(compileEventPattern({ a: [{ exists: true }] })({ a: { nested: 1 } })).toBe(false);
    const notCancelled = compileEventPattern({ s: [{ 'anything-but': ['CANCELLED'] }] });
    expect(notCancelled({ s: 'PENDING' })).toBe(true);
    expect(notCancelled({ s: 'CANCELLED' })).toBe(false);
    // anything-but never matches a missing field.
    expect(notCancelled({})).toBe(false);
  });

  it('fails clearly on constructs it does not evaluate, instead of guessing', () => {
    expect(() => compileEventPattern({ n: [{ numeric: ['>', 0] }] })).toThrow(TemplateError);
    expect(() => compileEventPattern({ n: [{ numeric: ['>', 0] }] })).toThrow(
      /"numeric" is not played locally/,
    );
    expect(() => compileEventPattern({ $or: [{ a: ['x'] }, { b: ['y'] }] })).toThrow(/"\$or"/);
    expect(() => compileEventPattern({ a: 'x' })).toThrow(/list of values or an object/);
  });
});

describe('compileInputTemplate (Pipes semantics)', () => {
  it('inserts strings escaped inside quotes, and JSON outside them', () => {
    // Prepare
    const transform = compileInputTemplate('{"text":"say <$.s>","raw":<$.o>,"n":<$.n>}');

    // Act
    const body = transform({ s: 'a "quoted" \\ word', o: { k: [1, 2] }, n: 3 }, context);

    // Assess
    expect(JSON.parse(body)).toEqual({ text: 'say a "quoted" \\ word', raw: { k: [1, 2] }, n: 3 });
  });

  it('reads array indices and reserved variables', () => {
    const transform = compileInputTemplate(
      '{"first":"<$.items[0].sku>","pipe":"<aws.pipes.pipe-name>","at":"<aws.pipes.event.ingestion-time>"}',
    );

    expect(JSON.parse(transform({ items: [{ sku: 'S-1' }] }, context))).toEqual({
      first: 'S-1',
      pipe: 'p',
      at: '2026-11-27T10:00:00.000Z',
    });
  });

  it('sends the event itself when there is no template', () => {
    expect(JSON.parse(compileInputTemplate(undefined)({ a: 1 }, context))).toEqual({ a: 1 });
  });

  it('refuses a record that lacks a path the template reads', () => {
    const transform = compileInputTemplate('{"id":"<$.dynamodb.NewImage.id.S>"}');

    expect(() => transform({ dynamodb: { NewImage: {} } }, context)).toThrow(/missing/);
  });

  it('fails clearly on JSONPath wildcards and unknown reserved variables', () => {
    expect(() => compileInputTemplate('<$.items[*].sku>')).toThrow(/not played locally/);
    expect(() => compileInputTemplate('<aws.pipes.event.json>')).toThrow(/not played locally/);
  });
});
