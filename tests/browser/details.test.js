// details.test.js: the Alert Details panel for each anomaly type — fields, evidence as each rule records it, recommended actions, the links from the templates, the URL naming the open anomaly, focus kept and returned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { browser, page, serve, settled } from './harness.js';

let server;
let b;
before(async () => { server = await serve(); b = await browser(); });
after(async () => { await b.close(); server.close(); });

/** The panel's definition list as { term: text }. */
async function fields(p, selector = '#details > dl') {
  return p.$eval(selector, (dl) => Object.fromEntries([...dl.querySelectorAll(':scope > dt')]
    .map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
}

const EVIDENCE = {
  high_risk_access: (e, shown) => {
    for (const m of e.sensitive) assert.ok(shown.Sensitive.includes(`“${m.keyword}”`) && shown.Sensitive.includes(m.value));
    for (const m of e.elevated) assert.ok(shown.Elevated.includes(`“${m.keyword}” in permission ${m.permission}`));
  },
  approved_after_rejection: (e, shown) => {
    assert.equal(shown['Rejected request'], e.rejected_request_id);
    assert.ok(shown.Rejected.endsWith(`by ${e.rejected_by.name ? `${e.rejected_by.name} (${e.rejected_by.id})` : e.rejected_by.id}`));
    assert.equal(shown.Reason, e.rejection_reason || '—');
    assert.ok(shown.Approved.includes(e.approved_by.id));
    assert.equal(shown['Days between'], String(e.days_since_rejection));
  },
  inactive_user: (e, shown) => {
    assert.ok(shown['Previous request'].startsWith(e.previous_request_id));
    assert.equal(shown['Days inactive'], String(e.days_inactive));
  },
  access_automation: (e, shown) => {
    assert.ok(shown.Trigger.startsWith(e.trigger.name.replaceAll('_', ' ')));
    assert.ok(shown.Requests.startsWith(`${e.count} between`));
    assert.equal(shown['Request ids'], e.request_ids.join(', '));
  },
  self_approval: (e, shown) => {
    assert.ok(shown.Approved.includes(e.approver.id));
    assert.equal(shown['Same person by'], e.matched_on === 'email' ? 'email (another account)' : 'id');
  },
};

for (const type of Object.keys(EVIDENCE)) {
  test(`the panel shows an anomaly of type ${type} as the API describes it`, async () => {
    // Arrange
    const p = await page(b, { timezoneId: 'Asia/Tokyo' });
    const [listed] = (await server.api(`/v1/anomalies?type=${type}&limit=1`)).items;
    const anomaly = await server.api(`/v1/anomalies/${listed.id}`);
    await p.goto(server.url(`?type=${type}`));
    await settled(p);
    // Act
    const button = `tr[data-id="${anomaly.id}"] button.open`;
    await p.click(button);
    await p.waitForSelector('#details[open] #details-title');
    // Assert
    assert.equal(new URL(p.url()).searchParams.get('anomaly'), anomaly.id);
    assert.equal(await p.textContent('#details .summary'), anomaly.summary);
    const shown = await fields(p);
    assert.equal(shown.Severity.toLowerCase(), anomaly.severity);
    assert.equal(shown.Status.toLowerCase(), anomaly.status);
    assert.ok(shown.Requester.includes(anomaly.requester.id));
    if (anomaly.requester.email) assert.ok(shown.Requester.includes(anomaly.requester.email));
    assert.equal(shown['Resource type'], anomaly.resource_type);
    for (const r of anomaly.resources) {
      assert.ok(shown.Resources.includes(r.id));
      for (const [k, v] of Object.entries(r.tags || {})) assert.ok(shown.Resources.includes(`${k}=${v}`));
    }
    assert.equal(shown.Permissions, anomaly.permissions.join(', '));
    EVIDENCE[type](anomaly.evidence, await fields(p, '#details section dl'));
    const actions = await p.$$eval('#details section ol:not(.timeline) li', (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(actions, anomaly.recommended_actions);
    // Request ID links to the platform (a template is configured); the access flow has none.
    assert.equal(await p.getAttribute('#details a[href^="https://jit.example.com"]', 'href'), anomaly.links.request);
    assert.equal(anomaly.links.access_flow, undefined);
    assert.equal(shown['Access flow'], anomaly.access_flow ? (anomaly.access_flow.name || anomaly.access_flow.id) : '—');
    // Focus stays in the dialog; Esc closes it, the URL forgets it, focus returns to the icon.
    for (let i = 0; i < 25; i++) {
      await p.keyboard.press('Tab');
      assert.ok(await p.evaluate(() => document.getElementById('details').contains(document.activeElement)), `tab ${i}`);
    }
    await p.keyboard.press('Escape');
    await p.waitForSelector('#details:not([open])', { state: 'attached' });
    // The dialog's close event (which updates the URL and the focus) is a task of its own.
    await p.waitForFunction(() => !new URL(location.href).searchParams.has('anomaly'));
    assert.equal(new URL(p.url()).searchParams.get('anomaly'), null);
    assert.ok(await p.$eval(button, (el) => el === document.activeElement));
    assert.deepEqual(p.errors, []);
  });
}

test('a link naming an anomaly opens its panel, and copy link copies that link', async () => {
  // Arrange
  const [listed] = (await server.api('/v1/anomalies?limit=1&severity=medium')).items;
  const p = await page(b);
  await p.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  // Act
  await p.goto(server.url(`?severity=medium&anomaly=${listed.id}`));
  await p.waitForSelector('#details[open] #details-title');
  await p.click('#copy-link');
  // Assert
  assert.equal(await p.textContent('#details .summary'), listed.summary);
  const copied = await p.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, `${server.base}/ui/?severity=medium&anomaly=${listed.id}`);
  assert.equal(await p.textContent('#copy-link'), 'Link copied');
  // Closing it leaves the filters in the URL.
  await p.click('#close-details');
  await p.waitForFunction(() => !new URL(location.href).searchParams.has('anomaly'));
  assert.equal(new URL(p.url()).search, '?severity=medium');
});
