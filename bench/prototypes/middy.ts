/** middy core and the header normalizer alone. */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';

export const handler = middy()
  .use(httpHeaderNormalizer())
  .handler(async () => ({ statusCode: 204, body: '' }));
