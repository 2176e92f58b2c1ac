/**
 * The sensors view in headless Chromium against the real analyzer API (in process, real
 * PostgreSQL, the built GUI under its strict CSP): heartbeats recorded for three sensors show as
 * online, alarm (with its alarm text) and stale, with their counters, and the view refreshes by
 * itself when a sensor's state changes. Screenshot in <tmpdir>/hp-gui-sensors-shots.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import {
  buildApp,
  createDatabase,
  createFlowStore,
  createLiveHub,
  createSensorStore,
  createUserStore,
  migrateToLatest,
  type SensorStore,
} from '@honeyproxy/analyzer';
import { createLogger } from '@honeyproxy/common';
import type { SensorHeartbeat } from '@honeyproxy/protocol';
import {
  createCleanupList,
  createTempDatabase,
  launchBrowser,
  watchPage,
} from '@honeyproxy/testkit';
import { assertPageClean } from './testing/gui-harness.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/build/', import.meta.url));
const ANALYST = { username: 'viewer', password: 'sensors-view-password' };
const log = createLogger({ name: 'test', level: 'silent' });

function heartbeat(sensorId: string, extra: Partial<SensorHeartbeat> = {}): SensorHeartbeat {
  return {
    v: 1,
    sensorId,
    version: '0.9.1',
    mode: 'transparent',
    startedAt: Date.now() - 3_600_000,
    sentAt: Date.now(),
    caPem: 'PEM',
    caSha256: Array(32).fill('C0').join(':'),
    counters: { captured: 1234, published: 1200, errors: 0, spooled: 1234, droppedBodies: 0 },
    backlog: 34,
    alarms: [],
    ...extra,
  };
}

describe('sensors view (headless Chromium, real analyzer API)', { timeout: 120_000 }, () => {
  const cleanup = createCleanupList();
  let browser: Browser;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let sensors: SensorStore;
  let url: string;

  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hp-gui-sensors-'));
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    const temp = await createTempDatabase('hp_gui_sensors');
    cleanup.add(() => temp.close());
    const db = createDatabase(temp.url, { max: 2 });
    cleanup.add(() => db.destroy());
    await migrateToLatest(db, log);
    const users = createUserStore(join(dir, 'users.json'), { scrypt: { N: 2 ** 12, r: 8, p: 1 } });
    await users.add(ANALYST.username, ANALYST.password, 'viewer');
    sensors = createSensorStore({ db });
    await sensors.recordHeartbeat(heartbeat('gw-online'));
    await sensors.recordHeartbeat(heartbeat('gw-alarm', { alarms: ['spool budget reached'] }));
    await sensors.recordHeartbeat(heartbeat('gw-gone'));
    await sql`UPDATE sensors SET last_seen = now() - interval '5 minutes' WHERE id = 'gw-gone'`.execute(
      db,
    );
    app = await buildApp({
      store: createFlowStore({ db, log }),
      sensors,
      hub: createLiveHub(),
      users,
      log,
      config: { webRoot: WEB_ROOT },
    });
    cleanup.add(() => app.close());
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    url = `http://127.0.0.1:${address.port}/`;
    browser = await launchBrowser();
    cleanup.add(() => browser.close());
  });
  after(() => cleanup.run());

  it('shows each sensor online, in alarm or stale, and follows a change', async (t) => {
    const context = await browser.newContext({
      httpCredentials: ANALYST,
      viewport: { width: 1280, height: 720 },
    });
    t.after(() => context.close());
    const page = await context.newPage();
    const watch = await watchPage(page);
    assert.equal((await page.goto(url))?.status(), 200);
    await page.locator('hp-top-bar a[href="#/sensors"]').click();
    const view = page.locator('hp-sensors-view');
    const row = (id: string) => view.locator(`tr[data-sensor="${id}"]`);
    await row('gw-online').waitFor();
    assert.equal(await row('gw-online').locator('.state').innerText(), 'Online');
    assert.equal(await row('gw-alarm').locator('.state').innerText(), 'Alarm');
    assert.equal(await row('gw-alarm').locator('.alarms').innerText(), 'spool budget reached');
    assert.equal(await row('gw-gone').locator('.state').innerText(), 'Stale');
    assert.match(await row('gw-gone').innerText(), /5 min ago/);
    const cells = await row('gw-online').locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(3, 9), ['0.9.1', 'transparent', '1 h', '1,234', '1,200', '34']);
    assert.equal(cells[9], '—'); // no spool size reported
    assert.equal(cells.at(-1), Array(32).fill('C0').join(':'));
    assert.match(await view.locator('.summary').innerText(), /1 online · 1 alarm · 1 stale/);
    const shots = join(tmpdir(), 'hp-gui-sensors-shots');
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'sensors.png') });

    // The alarm clears with the next heartbeat; the view polls and shows it without a reload.
    await sensors.recordHeartbeat(heartbeat('gw-alarm'));
    await row('gw-alarm').locator('.state', { hasText: 'Online' }).waitFor({ timeout: 20_000 });

    await view.getByText('Back to flows').click();
    await page.locator('hp-sensors-view').waitFor({ state: 'detached' });
    assertPageClean(watch);
  });
});
