/**
 * The bare baseline of the worker start-up benchmark: a process that creates an SQS client and
 * long-polls the queue once, as the first thing it does; nothing else. Bundled like the worker.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const queueUrl = process.env.FULFILMENT_QUEUE_URL;
if (!queueUrl) throw new Error('Missing environment variable FULFILMENT_QUEUE_URL');
const sqs = new SQSClient({});
const { Messages = [] } = await sqs.send(
  new ReceiveMessageCommand({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 20,
    // Held briefly, as the worker holds it, so the benchmark can read its receipt time back.
    VisibilityTimeout: 2,
  }),
);
console.log(JSON.stringify({ received: Messages.length }));
