import { describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES, ROUTES } from '../../../functions/routes.ts';

describe('PUBLIC_ROUTES', () => {
  it('lists exactly the routes whose table entry takes no credential', () => {
    // The functions decide from the set whether to authenticate; the stack, from the table.
    const publicInTable = ROUTES.filter((route) => route.auth.type === 'public').map(
      (route) => route.id,
    );

    expect([...PUBLIC_ROUTES].sort()).toEqual(publicInTable.sort());
    expect(publicInTable).toEqual(['health']);
  });
});
