// triage.test.js: actions from the page change the record and its history — a status with a note, a dismissal with suppress-until, revoke behind a confirmation, a concurrent change (409) shown and reloaded, and bulk changes to selected rows and to every matching anomaly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { allApiIds, browser, page, rows, serve, settled } from './harness.js';

let server;
let b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b.close(); server.close(); });

/** The page open on `query` with the panel of its `index`th row open. */
async function openPanel(query, index = 0) {
  const p = await page(b);
  await p.goto(server.url(query));
  await settled(p);
  const id = (await rows(p))[index];
  await p.click(`tr[data-id="${id}"] button.open`);
  await p.waitForSelector('#details[open] #triage-apply');
  return { p, id };
}

const last = (anomaly) => anomaly.history[anomaly.history.length - 1];

test('changing the status with a note updates the record, its history, the panel and the row', async () => {
  // Arrange
  const { p, id } = await openPanel('?type=high_risk_access');
  // Act
  await p.selectOption('#triage-status', 'acknowledged');
  await p.fill('#triage-note', 'asked Dana about the change window');
  await p.click('#triage-apply');
  await p.waitForFunction(() => document.querySelector('#details .result').textContent !== '');
  // Assert
  const stored = await server.api(`/v1/anomalies/${id}`);
  assert.equal(stored.status, 'acknowledged');
  assert.deepEqual([last(stored).actor, last(stored).from, last(stored).to, last(stored).note],
    ['local', 'open', 'acknowledged', 'asked Dana about the change window']);
  assert.equal(await p.textContent('#details .result'), 'Status set to Acknowledged.');
  const timeline = await p.$$eval('#details .timeline li', (lis) => lis.map((li) => li.textContent));
  assert.ok(timeline.at(-1).includes('Open → Acknowledged') && timeline.at(-1).includes('asked Dana'), timeline.at(-1));
  assert.equal(await p.textContent(`tr[data-id="${id}"] td.status`), 'Acknowledged');
  assert.deepEqual(p.errors, []);
});

test('dismissing with suppress-until stores the suppression end', async () => {
  // Arrange
  const { p, id } = await openPanel('?type=high_risk_access', 1);
  // Act
  await p.selectOption('#triage-status', 'dismissed');
  await p.fill('#suppress-until', '2031-01-15T09:30');
  await p.click('#triage-apply');
  await p.waitForFunction(() => document.querySelector('#details .result').textContent !== '');
  // Assert
  const stored = await server.api(`/v1/anomalies/${id}`);
  assert.equal(stored.status, 'dismissed');
  assert.equal(last(stored).suppress_until, '2031-01-15T09:30:00Z', 'the browser zone is UTC here');
  assert.ok((await p.textContent('#details .timeline')).includes('suppressed until 2031-01-15 09:30'));
});

test('revoke asks for a confirmation naming the request and requester, and only then asks the platform', async () => {
  // Arrange
  const { p, id } = await openPanel('?type=approved_after_rejection');
  const anomaly = await server.api(`/v1/anomalies/${id}`);
  const asked = [];
  // Act: decline first, then accept.
  p.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
  await p.click('#revoke');
  assert.equal((await server.api(`/v1/anomalies/${id}`)).history.length, anomaly.history.length, 'declined: nothing');
  p.once('dialog', (d) => { asked.push(d.message()); d.accept(); });
  await p.fill('#triage-note', 'not approved by the data owner');
  await p.click('#revoke');
  await p.waitForFunction(() => document.querySelector('#details .result').textContent === 'Revocation requested.');
  // Assert
  assert.ok(asked[0].includes(anomaly.request_id) && asked[0].includes(anomaly.requester.id), asked[0]);
  const stored = await server.api(`/v1/anomalies/${id}`);
  assert.deepEqual([last(stored).action, last(stored).note], ['revoke_requested', 'not approved by the data owner']);
  assert.ok((await p.textContent('#details .timeline')).includes('revocation requested'));
});

test('a change someone else made meanwhile is shown and the record reloaded (409)', async () => {
  // Arrange: the page has the record open; then someone resolves it through the API.
  const { p, id } = await openPanel('?type=inactive_user');
  await server.api(`/v1/anomalies/${id}`, { method: 'PATCH', body: { status: 'resolved', note: 'done elsewhere' } });
  // Act
  await p.selectOption('#triage-status', 'acknowledged');
  await p.click('#triage-apply');
  await p.waitForFunction(() => document.querySelector('#details .result').textContent !== '');
  // Assert
  assert.match(await p.textContent('#details .result'), /changed this anomaly meanwhile; it has been reloaded/);
  const shown = await p.$eval('#details > dl', (dl) => [...dl.querySelectorAll('dt')].find((dt) => dt.textContent === 'Status').nextElementSibling.textContent);
  assert.equal(shown, 'Resolved');
  assert.equal((await server.api(`/v1/anomalies/${id}`)).status, 'resolved', 'the older change was not applied');
});

test('selected rows change status at once after a confirmation with their count', async () => {
  // Arrange
  const p = await page(b);
  await p.goto(server.url('?type=access_automation'));
  await settled(p);
  const picked = (await rows(p)).slice(0, 3);
  for (const id of picked) await p.check(`tr[data-id="${id}"] input.pick`);
  assert.equal(await p.textContent('#bulk-count'), '3 selected');
  let asked = '';
  p.once('dialog', (d) => { asked = d.message(); d.accept(); });
  // Act
  await p.selectOption('#bulk-status', 'resolved');
  await p.fill('#bulk-note', 'CI runner, expected');
  await p.click('#bulk-apply');
  await p.waitForFunction(() => /set to Resolved/.test(document.getElementById('bulk-result')?.textContent || ''));
  // Assert
  assert.equal(asked, 'Set 3 selected anomalies to Resolved?');
  for (const id of picked) {
    const stored = await server.api(`/v1/anomalies/${id}`);
    assert.deepEqual([stored.status, last(stored).note], ['resolved', 'CI runner, expected'], id);
  }
  assert.equal(await p.textContent('#bulk-result'), '3 set to Resolved.');
  await settled(p);
  for (const id of picked) assert.equal(await p.textContent(`tr[data-id="${id}"] td.status`), 'Resolved');
});

test('"all N matching" changes every anomaly the filters match, after a confirmation stating the filter and count', async () => {
  // Arrange
  const query = 'severity=medium&last=11mo';
  const matching = await allApiIds(server, query);
  assert.ok(matching.length > 50 && matching.length <= 500, `${matching.length}`);
  const p = await page(b);
  await p.goto(server.url(`?${query}`));
  await settled(p);
  await p.check('#select-page');
  await p.click('#select-all-matching');
  assert.equal(await p.textContent('#bulk-count'), `All ${matching.length} matching selected`);
  let asked = '';
  p.once('dialog', (d) => { asked = d.message(); d.accept(); });
  // Act
  await p.selectOption('#bulk-status', 'acknowledged');
  await p.click('#bulk-apply');
  await p.waitForFunction(() => /set to Acknowledged/.test(document.getElementById('bulk-result')?.textContent || ''));
  // Assert
  assert.equal(asked, `Set all ${matching.length} anomalies matching Severity: Medium; Last 11 months to Acknowledged?`);
  const acknowledged = new Set(await allApiIds(server, `${query}&status=acknowledged`));
  assert.deepEqual([...matching].filter((id) => !acknowledged.has(id)), []);
  assert.equal(await p.textContent('#bulk-result'), `${matching.length} set to Acknowledged.`);
});
