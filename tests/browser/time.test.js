// time.test.js: the time filter in a browser whose zone is not UTC — relative windows (and "Round to the hours"), absolute windows in local time, and the same with "Use UTC".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiIds, browser, page, pageQuery, rows, serve, settled } from './harness.js';

const ZONE = 'America/New_York';
let server;
let b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b.close(); server.close(); });

/** The detected times shown in the list. */
const shownTimes = (p) => p.$$eval('#list tbody td.when', (tds) => tds.map((td) => td.textContent));

test('a relative window set in the menu is the API window of the same parameters', async () => {
  // Arrange
  const p = await page(b, { timezoneId: ZONE });
  await p.goto(server.url());
  await settled(p);
  // Act
  await p.click('[data-filter="time"]');
  await p.fill('#last-count', '11');
  await p.selectOption('#last-unit', 'mo');
  await p.check('#round');
  await p.click('#apply-relative');
  await settled(p);
  // Assert
  assert.equal(pageQuery(p), 'last=11mo&round_to_hour=true');
  assert.deepEqual(await rows(p), await apiIds(server, pageQuery(p)));
  assert.equal(await p.textContent('[data-filter="time"]'), 'Last 11 months, from the hour');
  assert.equal(await p.textContent('#zone'), `Times in ${ZONE}`);
});

for (const utc of [false, true]) {
  test(`an absolute window in local time ${utc ? 'with' : 'without'} Use UTC shows the API rows for that zone`, async () => {
    // Arrange
    const p = await page(b, { timezoneId: ZONE });
    await p.goto(server.url());
    await settled(p);
    // Act
    await p.click('[data-filter="time"]');
    await p.click('#menu-time [role="tab"]:text("Absolute")');
    await p.fill('#from', '2026-03-01T09:00');
    await p.fill('#to', '2026-03-20T18:30');
    if (utc) await p.check('#use-utc');
    await p.click('#apply-absolute');
    await settled(p);
    // Assert
    const zone = utc ? 'UTC' : ZONE;
    assert.equal(pageQuery(p), new URLSearchParams({ from: '2026-03-01T09:00', to: '2026-03-20T18:30', tz: zone }).toString());
    const ids = await rows(p);
    assert.ok(ids.length > 0);
    assert.deepEqual(ids, await apiIds(server, pageQuery(p)));
    const header = await p.textContent('#list th:nth-child(2)');
    assert.equal(header, `Detected (${zone})`);
    for (const shown of await shownTimes(p)) {
      assert.ok(shown >= '2026-03-01 09:00' && shown <= '2026-03-20 18:30', `${shown} in ${zone}`);
    }
    // The window reads back into the pickers.
    await p.click('[data-filter="time"]');
    assert.equal(await p.inputValue('#from'), '2026-03-01T09:00');
    assert.equal(await p.isChecked('#use-utc'), utc);
  });
}

test('the same local window means different instants in New York and in UTC', async () => {
  const query = 'from=2026-03-01T09:00&to=2026-03-01T23:00';
  const newYork = await apiIds(server, `${query}&tz=${ZONE}`);
  const utc = await apiIds(server, `${query}&tz=UTC`);
  assert.notDeepEqual(newYork, utc, 'pick a window whose five-hour shift changes the rows');
});
