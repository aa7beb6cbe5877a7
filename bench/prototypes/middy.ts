/** middy core alone, with one middleware, as the API routes use it (see functions/commons/sequence.ts). */
import middy from '@middy/core';

export const handler = middy()
  .use({ before: () => undefined })
  .handler(async () => ({ statusCode: 204, body: '' }));
