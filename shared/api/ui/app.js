// app.js: the page's entry — signs in, reads the state from the URL, loads the list and its count, opens the details panel, and handles history and the keyboard.
import { get } from './api.js';
import * as auth from './auth.js';
import * as bulk from './bulk.js';
import * as details from './details.js';
import * as filters from './filters.js';
import { el, zone as zoneOf } from './format.js';
import * as list from './list.js';
import { apiParams, hasFilters, read, write } from './state.js';

const $ = (id) => document.getElementById(id);
let state = read();
let cursor = null;
/** How many anomalies match the filters (from the count), for "select all matching". */
let total = 0;
/** Bumped by every query, so a slow answer to an old one is dropped. */
let generation = 0;
/** What had focus when the panel opened (focus goes back there). */
let opener = null;

async function start() {
  const trouble = await auth.init();
  auth.whenSignedOut(showSignIn);
  $('sign-out').onclick = () => auth.signOut();
  $('signin-button').onclick = () => auth.signIn().catch((e) => showSignIn(`Sign-in could not start: ${e.message}`));
  $('shortcuts-button').onclick = () => $('shortcuts').showModal();
  $('details').addEventListener('close', () => closed());
  for (const dialog of [$('details'), $('shortcuts')]) dialog.addEventListener('keydown', keepFocusIn);
  window.addEventListener('popstate', () => { state = read(); render(); });
  document.addEventListener('keydown', keys);
  list.onSelection(bulkBar);
  document.addEventListener('click', (event) => {
    if (!event.target.closest('.filter')) filters.closeMenus();
  });
  state = read();
  if (trouble || !(await auth.token())) {
    showSignIn(trouble);
    return;
  }
  $('signin').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  render();
}

function showSignIn(trouble = '') {
  $('workspace').hidden = true;
  $('sign-out').hidden = true;
  if ($('details').open) $('details').close();
  $('signin').hidden = false;
  const oidc = auth.mode() === 'oidc';
  $('signin-button').hidden = !oidc;
  $('signin-text').textContent = (typeof trouble === 'string' && trouble) ? trouble
    : oidc ? 'Sign in with your organisation’s account to see anomalies.'
      : 'Your session has no valid token. Open the address `anomalies serve` printed '
        + '(it ends in #token=…), or sign in again.';
}

/** Show `state`: the filter bar, the list, and the panel if the URL names an anomaly. */
async function render() {
  const focused = document.activeElement && document.activeElement.id;
  filters.render($('filters'), state, change);
  if (focused === 'q') {
    const q = $('q');
    q.focus();
    q.setSelectionRange(q.value.length, q.value.length);
  }
  $('zone').textContent = `Times in ${zoneOf(state)}`;
  const loaded = load(false);
  if (state.anomaly) openDetails(state.anomaly, false);
  else if ($('details').open) $('details').close();
  await loaded;
}

function change(next) {
  performance.mark('filter-changed');
  state = next;
  write(state);
  render();
}

async function load(append) {
  const mine = ++generation;
  const params = apiParams(state);
  params.set('limit', '50');
  if (append && cursor) params.set('cursor', cursor);
  if (!append) $('problem').hidden = true;
  $('list').setAttribute('aria-busy', 'true');
  try {
    const page = await get('/v1/anomalies', params);
    if (mine !== generation) return;
    cursor = page.next_cursor;
    if (!append) bulk.reset({ keepResult: true });
    list.show($('list'), page.items, { append, zone: zoneOf(state), open: (id) => openDetails(id, true) });
    if (!append && page.items.length === 0) empty();
    more();
    await count(mine);
    bulkBar();
  } catch (error) {
    if (mine === generation) problem(error, () => load(append));
  } finally {
    if (mine === generation) $('list').setAttribute('aria-busy', 'false');
  }
}

/** "N anomalies match; M shown", from the severity facet (one value per anomaly). */
async function count(mine) {
  const params = apiParams(state, 'severity');
  params.set('field', 'severity');
  const shown = list.table.items.length;
  try {
    const facets = await get('/v1/anomalies/facets', params);
    if (mine !== generation) return;
    const wanted = state.filters.severity;
    const matched = wanted
      ? facets.values.filter((v) => wanted.includes(v.value)).reduce((n, v) => n + v.count, 0)
      : facets.matched;
    total = matched;
    const atLeast = facets.truncated ? 'at least ' : '';
    $('count').textContent = `${atLeast}${matched} ${matched === 1 ? 'anomaly matches' : 'anomalies match'}; ${shown} shown.`;
  } catch {
    $('count').textContent = `${shown} shown.`;
  }
}

function bulkBar() {
  bulk.render($('bulk'), {
    state, selected: list.table.selected, shown: list.table.items.length, total,
    done: () => load(false),
  });
}

function empty() {
  $('list').replaceChildren(el('div', { class: 'notice', id: 'empty' },
    el('p', {}, hasFilters(state) ? 'No anomalies match these filters.' : 'No anomalies yet.'),
    hasFilters(state) ? el('button', {
      type: 'button', id: 'clear-filters',
      onclick: () => change({ ...state, filters: {}, time: {}, q: '', anomaly: '' }),
    }, 'Clear filters') : null));
}

function more() {
  $('more').replaceChildren(cursor
    ? el('button', { type: 'button', id: 'load-more', onclick: () => load(true) }, 'Load more')
    : (list.table.items.length ? el('p', { class: 'count' }, 'That is all.') : ''));
}

/** Explain a failed call: 400 names the parameter, no network offers a retry. */
function problem(error, retry) {
  if (error.status === 401) return;
  const box = $('problem');
  const text = error.status === 400
    ? `The filter ${error.parameter ? `“${error.parameter}” ` : ''}is not valid: ${error.message}`
    : error.status === 0 ? 'The API could not be reached.' : error.message;
  box.replaceChildren(el('p', {}, text),
    error.status === 400
      ? el('button', { type: 'button', onclick: () => change({ ...state, filters: {}, time: {}, q: '', anomaly: '' }) }, 'Clear filters')
      : el('button', { type: 'button', id: 'retry', onclick: retry }, 'Retry'));
  box.hidden = false;
}

async function openDetails(id, push) {
  if (!$('details').open) opener = document.activeElement;
  if (push && state.anomaly !== id) {
    state = { ...state, anomaly: id };
    write(state);
  }
  try {
    const anomaly = await get(`/v1/anomalies/${encodeURIComponent(id)}`);
    show(anomaly);
    if (!$('details').open) $('details').showModal();
  } catch (error) {
    problem(error, () => openDetails(id, false));
  }
}

function show(anomaly, said = '') {
  details.render($('details'), anomaly, {
    zone: zoneOf(state),
    changed: (updated, text) => {
      show(updated, text);
      list.replace(updated, zoneOf(state), (id) => openDetails(id, true));
    },
    close: () => $('details').close(),
  });
  const result = $('details').querySelector('.result');
  if (result) result.textContent = said;
}

/** The panel closed (button, Esc or history): the URL forgets it, focus goes back. */
function closed() {
  if (state.anomaly) {
    state = { ...state, anomaly: '' };
    write(state);
  }
  if (opener && document.body.contains(opener)) opener.focus();
  opener = null;
}

/** Tab and Shift+Tab wrap around inside an open dialog (the browser would leave it for its
 * own address bar). */
function keepFocusIn(event) {
  if (event.key !== 'Tab') return;
  const focusable = [...event.currentTarget.querySelectorAll('a[href], button, input, select, textarea')]
    .filter((e) => !e.disabled && !e.hidden && e.getClientRects().length > 0);
  if (focusable.length === 0) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
}

function keys(event) {
  const typing = event.target.closest('input, select, textarea');
  if (event.key === 'Escape') filters.closeMenus();
  if (typing || $('details').open || $('shortcuts').open || event.ctrlKey || event.metaKey || event.altKey) return;
  switch (event.key) {
    case 'j': list.move(1); break;
    case 'k': list.move(-1); break;
    case 'x': if (list.currentId()) list.select(list.currentId(), !list.table.selected.has(list.currentId())); break;
    case '/': event.preventDefault(); $('q').focus(); break;
    case '?': $('shortcuts').showModal(); break;
    case 'Enter': if (list.currentId() && !event.target.closest('button')) openDetails(list.currentId(), true); break;
    default: return;
  }
}

start();
