// people.test.js: the page for people — the keyboard flow (j/k, Enter, Esc, x, /, ?), sign-in from the fragment and the 401 flow, an axe-core scan of the list, an open filter menu and the open panel in light and dark, and the narrow 390 px layout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { apiIds, browser, page, rows, serve, settled } from './harness.js';

let server;
let b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b.close(); server.close(); });

const focusedRow = (p) => p.evaluate(() => document.activeElement.closest('tr')?.dataset.id || null);

test('the keyboard alone moves, selects, opens and closes, searches and lists the shortcuts', async () => {
  // Arrange
  const p = await page(b);
  await p.goto(server.url());
  await settled(p);
  const ids = await rows(p);
  // Act / Assert: j j k lands on the second row.
  await p.keyboard.press('j');
  await p.keyboard.press('j');
  await p.keyboard.press('j');
  await p.keyboard.press('k');
  assert.equal(await focusedRow(p), ids[1]);
  assert.equal(await p.getAttribute(`tr[data-id="${ids[1]}"]`, 'class'), 'current');
  // x selects it.
  await p.keyboard.press('x');
  assert.equal(await p.isChecked(`tr[data-id="${ids[1]}"] input.pick`), true);
  assert.equal(await p.textContent('#bulk-count'), '1 selected');
  // Enter opens its panel; Esc closes it and focus is back on the row.
  await p.keyboard.press('Enter');
  await p.waitForSelector('#details[open] #details-title');
  assert.equal(new URL(p.url()).searchParams.get('anomaly'), ids[1]);
  await p.keyboard.press('Escape');
  await p.waitForSelector('#details:not([open])', { state: 'attached' });
  await p.waitForFunction(() => !new URL(location.href).searchParams.has('anomaly'));
  assert.equal(await focusedRow(p), ids[1]);
  // / focuses the search.
  await p.keyboard.press('/');
  assert.equal(await p.evaluate(() => document.activeElement.id), 'q');
  await p.keyboard.press('Escape');
  await p.evaluate(() => document.activeElement.blur());
  // ? lists the shortcuts; Esc closes them.
  await p.keyboard.press('?');
  await p.waitForSelector('#shortcuts[open]');
  assert.match(await p.textContent('#shortcuts'), /next \/ previous anomaly/);
  await p.keyboard.press('Escape');
  await p.waitForSelector('#shortcuts:not([open])', { state: 'attached' });
  assert.deepEqual(p.errors, []);
});

test('the token moves from the fragment to the session; without one, or when the API refuses it, the page asks to sign in again', async () => {
  // Arrange / Act: the printed address.
  const p = await page(b);
  await p.goto(server.url());
  await settled(p);
  // Assert: the token left the address bar and sits in this tab's session only.
  assert.equal(new URL(p.url()).hash, '');
  assert.equal(await p.evaluate(() => sessionStorage.getItem('anomalies.token')), server.token);
  // A reload keeps working from the session.
  await p.reload();
  await settled(p);
  assert.deepEqual(await rows(p), await apiIds(server, ''));
  // The API refuses the token (revoked, expired): the next call shows the sign-in notice.
  await p.evaluate(() => sessionStorage.setItem('anomalies.token', 'stale'));
  await p.fill('#q', 'payments');
  await p.press('#q', 'Enter');
  await p.waitForSelector('#signin:not([hidden])');
  assert.match(await p.textContent('#signin-text'), /sign in again/);
  assert.equal(await p.isHidden('#workspace'), true);
  assert.equal(await p.evaluate(() => sessionStorage.getItem('anomalies.token')), null);
  // A new tab without a fragment has no token at all.
  const fresh = await page(b);
  await fresh.goto(`${server.base}/ui/`);
  await fresh.waitForSelector('#signin:not([hidden])');
  assert.equal(await fresh.isHidden('#workspace'), true);
});

/** Serious or critical axe violations, as readable lines. */
async function violations(p) {
  const result = await new AxeBuilder({ page: p }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe finds nothing serious on the list, an open filter menu and the open panel (${colorScheme})`, async () => {
    const p = await page(b, { colorScheme });
    await p.goto(server.url());
    await settled(p);
    assert.deepEqual(await violations(p), [], 'list');
    await p.click('[data-filter="type"]');
    await p.waitForSelector('#menu-type input[type="checkbox"]');
    assert.deepEqual(await violations(p), [], 'filter menu');
    await p.keyboard.press('Escape');
    await p.click('#list tbody tr:first-child button.open');
    await p.waitForSelector('#details[open] #details-title');
    assert.deepEqual(await violations(p), [], 'details panel');
  });
}

test('at 390 px wide the list, the filters and the panel fit the screen', async () => {
  // Arrange
  const p = await page(b, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await p.goto(server.url());
  await settled(p);
  // Assert: nothing but the table's own scroller is wider than the screen.
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 390, `page is ${overflow} px wide`);
  await p.click('[data-filter="severity"]');
  const menu = await p.$eval('#menu-severity', (m) => m.getBoundingClientRect().right);
  assert.ok(menu <= 390, `menu ends at ${menu}`);
  await p.keyboard.press('Escape');
  await p.click('#list tbody tr:first-child button.open');
  await p.waitForSelector('#details[open] #details-title');
  const panel = await p.$eval('#details', (d) => d.getBoundingClientRect());
  assert.ok(panel.left >= 0 && panel.right <= 390, `panel ${panel.left}–${panel.right}`);
  assert.deepEqual(await violations(p), []);
});
