// screenshots.js: writes the README's screenshots (docs/screenshots/): the list, an open filter menu and the details panel, in light and dark, from `anomalies serve` on the generated stream. Run by hand: node tests/browser/screenshots.js
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { browser, page, serve, settled } from './harness.js';

const out = resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(out, { recursive: true });
const server = await serve();
const b = await browser();
try {
  // One anomaly with a triage history, for the panel.
  const [first] = (await server.api('/v1/anomalies?type=high_risk_access&limit=1')).items;
  await server.api(`/v1/anomalies/${first.id}`, { method: 'PATCH', body: { status: 'acknowledged', note: 'Asked the requester about the change window.' } });
  for (const colorScheme of ['light', 'dark']) {
    const p = await page(b, { colorScheme, timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 800 } });
    await p.goto(server.url('?last=12mo'));
    await settled(p);
    await p.screenshot({ path: join(out, `list-${colorScheme}.png`) });
    await p.click('[data-filter="type"]');
    await p.waitForSelector('#menu-type input[type="checkbox"]');
    await p.check('#menu-type input[value="high_risk_access"]');
    await settled(p);
    await p.waitForSelector('#menu-type input[type="checkbox"]');
    await p.screenshot({ path: join(out, `filter-${colorScheme}.png`) });
    await p.keyboard.press('Escape');
    await p.click('#list tbody tr:first-child button.open');
    await p.waitForSelector('#details[open] #details-title');
    await p.screenshot({ path: join(out, `details-${colorScheme}.png`) });
    await p.context().close();
  }
} finally {
  await b.close();
  server.close();
}
console.log(`wrote ${out}`);
