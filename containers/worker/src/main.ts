/**
 * The fulfilment worker's entry point (the container's command; `npm start` runs it too).
 * SIGTERM (ECS stopping the task) and SIGINT (Ctrl-C) stop receiving, let in-flight messages
 * finish within WORKER_STOP_TIMEOUT_SECONDS, release the rest to the queue, and exit 0.
 */
import { logger } from '#powertools';
import { readWorkerConfig, WorkerConfigError } from './config.ts';
import { startWorker, type Worker } from './worker.ts';

let worker: Worker;
try {
  worker = await startWorker(readWorkerConfig());
} catch (error) {
  if (error instanceof WorkerConfigError) {
    console.error(error.message);
  } else {
    console.error(
      `Fulfilment worker failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
}

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  logger.info('Stopping: no new messages; draining in-flight ones', {
    signal,
    inFlight: worker.consumer.inFlight,
  });
  worker
    .stop()
    .then(({ finished, released }) => {
      logger.info('Stopped', {
        signal,
        finished,
        released,
        durationMs: Date.now() - started,
        stats: worker.consumer.stats,
      });
      process.exit(0);
    })
    .catch((error: unknown) => {
      logger.error('Shutdown failed', { error });
      process.exit(1);
    });
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
