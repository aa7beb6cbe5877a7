import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '#powertools';

/** One traced SQS client per process. */
export const sqsClient = tracer.captureAWSv3Client(new SQSClient({}));
