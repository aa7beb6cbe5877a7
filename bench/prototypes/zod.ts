/** zod v4 alone, as the handlers import it (`zod/mini` with the English locale). */
import '../../functions/commons/zod.ts';
import * as z from 'zod/mini';

const Schema = z.strictObject({ orderId: z.string().check(z.regex(/^ord_[0-9a-f]{32}$/)) });

export const handler = async (event: unknown) => Schema.parse(event);
