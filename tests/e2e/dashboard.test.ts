/**
 * The local dashboards page, in a real browser: traffic through the local API shows up as data
 * points on the service-overview charts, drawn from the emulator's metrics. Needs Chromium
 * (`/usr/bin/chromium`, Debian's package; `.ci/run` installs it, or set CHROMIUM_PATH).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '#local/paths';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { call, newIdempotencyKey, uniqueCustomer } from './http.ts';

const dashboardUrl = inject('dashboardUrl');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshot goes: a folder the test run owns (gitignored). */
export const TEST_OUTPUT_DIR = join(REPO_ROOT, 'test-results');

const order = {
  customerId: 'c-dashboard',
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1250 }],
  contact: TEST_CONTACT,
};

describe.runIf(dashboardUrl !== null)('the local dashboards page', () => {
  it('draws the service-overview charts from the traffic just sent', async () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`,
    ).toBe(true);
    const customerId = uniqueCustomer('dashboard');
    for (let i = 0; i < 5; i++) {
      const created = await call('/orders', {
        body: { ...order, customerId },
        headers: { 'idempotency-key': newIdempotencyKey() },
      });
      expect(created.status).toBe(201);
      expect((await call(`/orders?customerId=${customerId}`)).status).toBe(200);
    }
    expect((await call('/health', { credentials: 'none' })).status).toBe(200);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      await page.goto(`${dashboardUrl}/`);
      const title = await page.locator('header h1').textContent();
      expect(title).toMatch(/service-overview$/);
      // The page refreshes every few seconds; metrics reach the emulator within a second.
      await page.waitForFunction(
        () => {
          const state = (
            globalThis as unknown as { dashboardState?: { points: Record<string, number> } }
          ).dashboardState;
          const points = state?.points ?? {};
          return (
            (points['createOrder: requests, 4xx and 5xx rate'] ?? 0) > 0 &&
            (points['listOrders: latency'] ?? 0) > 0
          );
        },
        undefined,
        { timeout: 20_000, polling: 500 },
      );
      const points = await page.evaluate(
        () =>
          (globalThis as unknown as { dashboardState: { points: Record<string, number> } })
            .dashboardState.points,
      );
      expect(points['createOrder: requests, 4xx and 5xx rate']).toBeGreaterThan(0);
      expect(points['health: requests, 4xx and 5xx rate']).toBeGreaterThan(0);
      expect(points['Lambda errors']).toBeGreaterThan(0);
      // Custom (EMF) metrics too, with the stage the stacks address them by.
      const business = (await (
        await fetch(`${dashboardUrl}/api/data?dashboard=Orders-dev-business&widget=0&minutes=10`)
      ).json()) as { values: number[] }[];
      expect(business[0]?.values.reduce((sum, value) => sum + value, 0)).toBeGreaterThanOrEqual(5);
      await mkdir(TEST_OUTPUT_DIR, { recursive: true });
      await page.screenshot({
        path: join(TEST_OUTPUT_DIR, 'dashboard-service-overview.png'),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  });
});
