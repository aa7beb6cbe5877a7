/**
 * Gives the handlers' zod English messages. Import it once (schemas.ts does) for its effect.
 *
 * The handlers use `zod/mini`, the tree-shakeable functional API: classic `zod` costs each
 * function about 25 ms more cold-start init, because its method chains keep the whole library
 * alive. Always `import * as z from 'zod/mini'` and use it as `z.x`: re-exporting the namespace
 * object would pull every locale into the bundle again.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
