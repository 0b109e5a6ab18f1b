// speed.test.js: the page on a 300k-event generated stream — time to first rows after navigation, time to re-render after a filter change, and the size of the page's own assets. The figures are printed as test diagnostics (and written in the README), never asserted: timings depend on the machine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiIds, browser, page, rows, serve, settled, stream } from './harness.js';

const EVENTS = Number(process.env.SPEED_EVENTS || 300000);
let server;
let b;
before(async () => { server = await serve({ events: stream(EVENTS, 42) }); b = await browser(); });
after(async () => { await b.close(); server.close(); });

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const lastMark = (p, name) => p.evaluate((n) => performance.getEntriesByName(n).at(-1).startTime, name);

test(`on ${EVENTS} events: first rows, filter changes and asset size`, async (t) => {
  // First rows after navigation, over a few fresh loads.
  const first = [];
  let p;
  for (let i = 0; i < 5; i++) {
    p = await page(b);
    await p.goto(server.url());
    await settled(p);
    first.push(await lastMark(p, 'rows-shown'));
    if (i < 4) await p.context().close();
  }
  assert.deepEqual(await rows(p), await apiIds(server, ''));
  // Filter changes: tick a value in each menu, then clear it again.
  const changes = [];
  for (const [field, value] of [['severity', 'medium'], ['type', 'inactive_user'], ['integration', 'k8s-eu'], ['type', 'high_risk_access']]) {
    await p.click(`[data-filter="${field}"]`);
    await p.waitForSelector(`#menu-${field} input[value="${value}"]`);
    for (const on of [true, false]) {
      if (on) await p.check(`#menu-${field} input[value="${value}"]`);
      else await p.uncheck(`#menu-${field} input[value="${value}"]`);
      await settled(p);
      changes.push((await lastMark(p, 'rows-shown')) - (await lastMark(p, 'filter-changed')));
    }
    await p.keyboard.press('Escape');
  }
  await p.fill('#q', 'prod');
  await p.press('#q', 'Enter');
  await settled(p);
  changes.push((await lastMark(p, 'rows-shown')) - (await lastMark(p, 'filter-changed')));
  assert.deepEqual(await rows(p), await apiIds(server, 'q=prod'));
  // The page's own assets, uncompressed.
  const bytes = await p.evaluate(() => {
    const own = performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname.startsWith('/ui/'));
    const shell = performance.getEntriesByType('navigation')[0];
    const seen = new Map(own.map((r) => [new URL(r.name).pathname, r.decodedBodySize]));
    return [...seen.values()].reduce((n, s) => n + s, shell.decodedBodySize);
  });
  const anomalies = (await server.api('/v1/anomalies/facets?field=severity')).matched;
  const figures = {
    events: EVENTS, anomalies,
    first_rows_ms: { median: Math.round(median(first)), max: Math.round(Math.max(...first)) },
    filter_change_ms: { median: Math.round(median(changes)), max: Math.round(Math.max(...changes)), changes: changes.length },
    assets_bytes: bytes,
  };
  t.diagnostic(`speed ${JSON.stringify(figures)}`);
  assert.ok(bytes > 0);
});
