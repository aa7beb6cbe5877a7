import type { StageConfig } from '#config/stages';

/**
 * The Powertools Logger settings of a stage, as every function and worker task receives them:
 * its log level and the share of invocations sampled at DEBUG.
 */
export const loggingEnvironment = (
  config: Pick<StageConfig, 'logLevel' | 'logSampleRate'>,
): { POWERTOOLS_LOG_LEVEL: string; POWERTOOLS_LOGGER_SAMPLE_RATE: string } => {
  const rate = config.logSampleRate ?? 0;
  if (!(rate >= 0 && rate <= 1))
    throw new Error(`logSampleRate must be between 0 and 1, got ${rate}: fix cdk/config/stages.ts`);
  return {
    POWERTOOLS_LOG_LEVEL: config.logLevel ?? 'INFO',
    POWERTOOLS_LOGGER_SAMPLE_RATE: String(rate),
  };
};
