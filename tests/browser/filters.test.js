// filters.test.js: every filter, set through its menu and opened from its URL form, shows the rows the API returns for the same parameters; menus search their values; back and forward walk the filter history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiIds, browser, page, pageQuery, rows, serve, settled } from './harness.js';

let server;
let b;
before(async () => {
  server = await serve();
  b = await browser();
  // Some anomalies in other statuses, so the Status filter has something to tell apart.
  const { items } = await server.api('/v1/anomalies?limit=6');
  for (const [i, a] of items.entries()) {
    await server.api(`/v1/anomalies/${a.id}`, { method: 'PATCH', body: { status: i % 2 ? 'resolved' : 'acknowledged' } });
  }
});
after(async () => { await b.close(); server.close(); });

/** The two most frequent values of `field` (from the facets route). */
async function topValues(field) {
  const facets = await server.api(`/v1/anomalies/facets?field=${field}&limit=2`);
  return facets.values.map((v) => v.value);
}

const FIELDS = ['type', 'severity', 'resource_type', 'user', 'integration', 'status'];

test('each multi-select, ticked in its menu, puts the API parameter in the URL and shows the API rows', async () => {
  const p = await page(b);
  for (const field of FIELDS) {
    // Arrange
    await p.goto(server.url());
    await settled(p);
    const values = await topValues(field);
    // Act: open the menu, tick each value.
    for (const value of values) {
      if (await p.isHidden(`#menu-${field}`)) await p.click(`[data-filter="${field}"]`);
      await p.waitForSelector(`#menu-${field} input[value="${value}"]`);
      await p.check(`#menu-${field} input[value="${value}"]`);
      await settled(p);
    }
    // Assert
    const params = new URL(p.url()).searchParams;
    assert.deepEqual(params.get(field).split(',').sort(), [...values].sort(), field);
    assert.deepEqual(await rows(p), await apiIds(server, pageQuery(p)), field);
    const summary = await p.textContent(`[data-filter="${field}"]`);
    assert.match(summary, values.length > 1 ? /: 2 selected$/ : /: /, field);
    assert.equal(await p.getAttribute(`[data-filter="${field}"]`, 'class'), 'active', field);
  }
  assert.deepEqual(p.errors, []);
});

test('each filter opened from its URL form shows the rows the API returns for the same parameters', async () => {
  const p = await page(b);
  const [type] = await topValues('type');
  const [user] = await topValues('user');
  const [integration] = await topValues('integration');
  const queries = [
    `type=${type}`,
    'severity=high,critical',
    'resource_type=database',
    `user=${user}`,
    `integration=${integration}`,
    'status=acknowledged,resolved',
    'q=prod',
    'last=11mo',
    'last=11mo&round_to_hour=true',
    'from=2026-03-01T00:00&to=2026-04-15T12:00&tz=Europe/Berlin',
    `type=${type}&severity=high&integration=${integration}&q=payments`,
  ];
  let nonEmpty = 0;
  for (const query of queries) {
    // Act
    await p.goto(server.url(`?${query}`));
    await settled(p);
    // Assert
    const expected = await apiIds(server, query);
    assert.deepEqual(await rows(p), expected, query);
    if (expected.length) nonEmpty += 1;
    assert.equal(pageQuery(p), new URLSearchParams(query).toString(), `${query}: kept as written`);
  }
  assert.ok(nonEmpty >= queries.length - 1, `${nonEmpty} of ${queries.length} queries match something`);
  const q = await p.inputValue('#q');
  assert.equal(q, 'payments');
});

test('a menu search narrows its values to those the facets route finds', async () => {
  // Arrange
  const p = await page(b);
  await p.goto(server.url());
  await settled(p);
  await p.click('[data-filter="user"]');
  await p.waitForSelector('#menu-user input[type="checkbox"]');
  // Act
  await p.fill('#menu-user .menu-search', 'deploy');
  await p.waitForFunction(() => [...document.querySelectorAll('#menu-user .options label')]
    .every((l) => /deploy/i.test(l.textContent)));
  // Assert
  const shown = await p.$$eval('#menu-user input[type="checkbox"]', (inputs) => inputs.map((i) => i.value));
  const facets = await server.api('/v1/anomalies/facets?field=user&limit=50&search=deploy');
  assert.deepEqual(shown, facets.values.map((v) => v.value));
  assert.ok(shown.length > 0);
});

test('free-text search, clear all, and back and forward through the filter history', async () => {
  // Arrange
  const p = await page(b);
  await p.goto(server.url());
  await settled(p);
  const everything = await rows(p);
  // Act: search, then a severity.
  await p.fill('#q', 'payments');
  await p.press('#q', 'Enter');
  await settled(p);
  const searched = pageQuery(p);
  assert.equal(searched, 'q=payments');
  assert.deepEqual(await rows(p), await apiIds(server, searched));
  await p.click('[data-filter="severity"]');
  await p.check('#menu-severity input[value="medium"]');
  await settled(p);
  assert.equal(pageQuery(p), 'severity=medium&q=payments');
  // Back: the search alone; back again: everything; forward: the search.
  await p.goBack();
  await settled(p);
  assert.equal(pageQuery(p), 'q=payments');
  assert.deepEqual(await rows(p), await apiIds(server, 'q=payments'));
  await p.goBack();
  await settled(p);
  assert.deepEqual(await rows(p), everything);
  await p.goForward();
  await settled(p);
  assert.equal(await p.inputValue('#q'), 'payments');
  // Clear all.
  await p.goto(server.url('?severity=medium&q=payments&last=11mo'));
  await settled(p);
  await p.click('#clear-all');
  await settled(p);
  assert.equal(new URL(p.url()).search, '');
  assert.deepEqual(await rows(p), everything);
});
