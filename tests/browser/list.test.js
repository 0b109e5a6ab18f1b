// list.test.js: the list — newest first as the API returns it, the zone in the header, paging to the end, the empty state, and the error states (400 names the parameter, no network offers a retry).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { allApiIds, apiIds, browser, page, rows, serve, settled } from './harness.js';

let server;
let b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b.close(); server.close(); });

test('the first page shows the newest anomalies, as the API lists them, with every column', async () => {
  // Arrange
  const p = await page(b, { timezoneId: 'Europe/Berlin' });
  // Act
  await p.goto(server.url());
  await settled(p);
  // Assert
  assert.deepEqual(await rows(p), await apiIds(server, ''));
  const headers = await p.$$eval('#list th', (ths) => ths.map((th) => th.textContent));
  assert.equal(await p.getAttribute('#list th:first-child input#select-page', 'aria-label'), 'Select every anomaly shown');
  assert.deepEqual(headers, ['', 'Detected (Europe/Berlin)', 'Type', 'Severity', 'Requester',
    'Resources', 'Integration', 'Status', 'Summary', 'Details']);
  const first = (await server.api('/v1/anomalies?limit=1')).items[0];
  const cells = await p.$$eval('#list tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
  const berlin = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(first.detected_at)).replace(', ', ' ');
  assert.equal(cells[1], berlin);
  assert.equal(cells[8], first.summary);
  assert.match(await p.textContent('#count'), /^\d+ anomalies match; 50 shown\.$/);
  assert.equal(await p.textContent('#zone'), 'Times in Europe/Berlin');
  assert.equal(new URL(p.url()).hash, '', 'the token left the address bar');
  assert.deepEqual(p.errors, []);
});

test('load more pages through every matching anomaly to the end, without gaps or repeats', async () => {
  // Arrange
  const query = 'severity=medium';
  const p = await page(b);
  await p.goto(server.url(`?${query}`));
  await settled(p);
  // Act
  while (await p.$('#load-more')) {
    await p.click('#load-more');
    await settled(p);
  }
  // Assert
  const expected = await allApiIds(server, query);
  assert.ok(expected.length > 50, `${expected.length} anomalies span more than one page`);
  assert.deepEqual(await rows(p), expected);
  assert.equal(await p.textContent('#more'), 'That is all.');
  assert.equal(await p.textContent('#count'), `${expected.length} anomalies match; ${expected.length} shown.`);
});

test('no match shows the empty state, whose clear filters brings every anomaly back', async () => {
  // Arrange
  const p = await page(b);
  await p.goto(server.url('?q=no-such-thing-anywhere'));
  await settled(p);
  assert.equal(await p.textContent('#empty p'), 'No anomalies match these filters.');
  // Act
  await p.click('#clear-filters');
  await settled(p);
  // Assert
  assert.equal(new URL(p.url()).search, '');
  assert.deepEqual(await rows(p), await apiIds(server, ''));
});

test('a bad parameter shows the API message naming it', async () => {
  // Arrange
  const p = await page(b);
  // Act
  await p.goto(server.url('?last=7y'));
  await settled(p);
  // Assert
  const text = await p.textContent('#problem');
  assert.match(text, /The filter “last” is not valid: .*"7y" is not a duration like 30m, 12h, 7d, 4w or 3mo/);
  assert.deepEqual(await rows(p), []);
});

test('a network failure offers a retry that loads the list', async () => {
  // Arrange: the first call to the list fails as if the network were down.
  const p = await page(b);
  let failures = 1;
  await p.route('**/v1/anomalies?*', (route) => (failures-- > 0 ? route.abort('internetdisconnected') : route.continue()));
  await p.goto(server.url());
  await settled(p);
  assert.equal(await p.textContent('#problem p'), 'The API could not be reached.');
  // Act
  await p.click('#retry');
  await settled(p);
  // Assert
  assert.deepEqual(await rows(p), await apiIds(server, ''));
  assert.equal(await p.isHidden('#problem'), true);
});
