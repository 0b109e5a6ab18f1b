// harness.js: what every browser test stands on — a generated stream, `anomalies serve` on a free port, Debian's Chromium driven by playwright-core, and the API called directly to say what the page should show.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
/** The `anomalies` binary the test command built. */
export const BIN = process.env.ANOMALIES_BIN || join(ROOT, 'target/debug/anomalies');
/** Debian's Chromium (the package `chromium`; no browser is downloaded). */
export const CHROMIUM = process.env.CHROMIUM || '/usr/lib/chromium/chromium';
/** The generated stream's tenant the token acts for. */
export const TENANT = 'tenant-0';
export const REQUEST_URL = 'https://jit.example.com/requests/{request_id}';

const streams = new Map();

/** A generated stream of `events` lines (written once per process). */
export function stream(events = 20000, seed = 42) {
  const key = `${events}/${seed}`;
  if (!streams.has(key)) {
    const file = join(mkdtempSync(join(tmpdir(), 'anomalies-ui-')), `stream-${events}.jsonl`);
    execFileSync(BIN, ['generate', '--events', String(events), '--seed', String(seed), '-o', file], { stdio: 'ignore' });
    streams.set(key, file);
  }
  return streams.get(key);
}

/** `anomalies serve` on `events` (a file, `sample` or `none`), with link templates; resolves
 * once it prints the page's address. `close()` stops it. */
export async function serve({ events = stream(), token = 'browser-test-token', tenant = TENANT, links = true } = {}) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build it with cargo build -p anomalies-cli`);
  const args = ['serve', '--listen', '127.0.0.1:0', '--events', events, '--token', token];
  if (tenant) args.push('--tenant', tenant);
  if (links) args.push('--request-url', REQUEST_URL);
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const open = await new Promise((done, fail) => {
    child.once('exit', (code) => fail(new Error(`anomalies serve exited with ${code}`)));
    lines.on('line', (line) => { if (line.startsWith('open: ')) done(line.slice(6)); });
  });
  const base = open.slice(0, open.indexOf('/ui/'));
  return {
    base,
    token,
    /** The address `anomalies serve` printed, with `query` (`?type=…`) put before the fragment. */
    url: (query = '') => `${base}/ui/${query}#token=${token}`,
    /** Call the API as the page does. */
    api: async (path, { method = 'GET', body } = {}) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    close: () => { child.kill(); },
  };
}

/** Headless Chromium. */
export async function browser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A page in a fresh context (`timezoneId`, `colorScheme`, `viewport` as given); browser
 * errors fail the test. */
export async function page(b, options = {}) {
  const context = await b.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const p = await context.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(e.message));
  p.on('console', (m) => { if (m.type() === 'error' && !/status of 40[019]/.test(m.text())) p.errors.push(m.text()); });
  return p;
}

/** Wait until the list has answered (and its count with it). */
export async function settled(p) {
  await p.waitForFunction(() => {
    const list = document.getElementById('list');
    return list && list.getAttribute('aria-busy') === 'false';
  });
}

/** The ids of the rows on the page, top to bottom. */
export async function rows(p) {
  return p.$$eval('#list tr[data-id]', (trs) => trs.map((tr) => tr.dataset.id));
}

/** The ids of the first page the API returns for the page-URL parameters `query`. */
export async function apiIds(server, query, limit = 50) {
  const params = new URLSearchParams(query);
  params.set('limit', String(limit));
  const page = await server.api(`/v1/anomalies?${params}`);
  return page.items.map((a) => a.id);
}

/** Every id the API returns for `query`, following cursors. */
export async function allApiIds(server, query) {
  const ids = [];
  let cursor = null;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', '500');
    if (cursor) params.set('cursor', cursor);
    const page = await server.api(`/v1/anomalies?${params}`);
    ids.push(...page.items.map((a) => a.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

/** The page's query string (without the open anomaly). */
export function pageQuery(p) {
  const params = new URL(p.url()).searchParams;
  params.delete('anomaly');
  return params.toString();
}
