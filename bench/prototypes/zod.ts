/** zod v4 alone, as the handlers import it (`import { z } from 'zod'`, the full build). */
import { z } from 'zod';

const Schema = z.strictObject({ orderId: z.string().regex(/^ord_[0-9a-f]{32}$/) });

export const handler = async (event: unknown) => Schema.parse(event);
