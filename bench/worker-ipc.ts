/**
 * The end of every benchmark worker process: runs `main`, sends its result (or its error) to the
 * parent over IPC, waits until the message is flushed, then exits.
 */
export const runWorker = <T>(main: () => Promise<T>): void => {
  const send = (message: T | { error: string }) =>
    new Promise<void>((resolve) => {
      if (process.send) process.send(message, () => resolve());
      else resolve();
    });
  main()
    .then(send)
    .catch((error: unknown) =>
      send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    )
    .finally(() => process.exit(0));
};
