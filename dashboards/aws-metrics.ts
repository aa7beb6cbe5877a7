/**
 * The metrics AWS publishes that the dashboards (and alarms) may use: each namespace with the
 * metric names its service documents, and the dimension the service's resources are addressed
 * by. Typed, so a widget cannot name a metric AWS does not publish; a test cross-checks every
 * widget against this list and the service's own declared metrics.
 *
 * Sources: the CloudWatch metrics pages of API Gateway (REST), Lambda, DynamoDB, SQS,
 * EventBridge Pipes, ECS and Container Insights.
 */
export const AWS_METRICS = {
  'AWS/ApiGateway': ['Count', '4XXError', '5XXError', 'Latency', 'IntegrationLatency'],
  'AWS/Lambda': ['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions'],
  'AWS/DynamoDB': [
    'ThrottledRequests',
    'ReadThrottleEvents',
    'WriteThrottleEvents',
    'SuccessfulRequestLatency',
    'ConsumedReadCapacityUnits',
    'ConsumedWriteCapacityUnits',
  ],
  'AWS/SQS': [
    'ApproximateNumberOfMessagesVisible',
    'ApproximateAgeOfOldestMessage',
    'NumberOfMessagesSent',
    'NumberOfMessagesDeleted',
  ],
  'AWS/EventBridge/Pipes': ['Invocations', 'EventCount', 'ExecutionFailed', 'TargetStageFailed'],
  'AWS/ECS': ['CPUUtilization', 'MemoryUtilization'],
  'ECS/ContainerInsights': ['RunningTaskCount', 'DesiredTaskCount'],
} as const;

export type AwsNamespace = keyof typeof AWS_METRICS;
export type AwsMetricName = (typeof AWS_METRICS)[AwsNamespace][number];

/** Whether `metric` is one that `namespace` publishes. */
export const isAwsMetric = (namespace: string, metric: string): boolean =>
  (AWS_METRICS as Record<string, readonly string[]>)[namespace]?.includes(metric) ?? false;
