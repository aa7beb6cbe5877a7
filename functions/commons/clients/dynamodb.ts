import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '#powertools';

/** One traced DynamoDB client per process, created at load so warm invocations reuse it. */
export const dynamoDbClient = tracer.captureAWSv3Client(new DynamoDBClient({}));

export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});
