// list.js: the anomalies table — newest first, one row per anomaly with its recommendation button, the current row (j/k), selected rows (x), and "Load more" from the API's cursor.
import { FIELD_NAMES, bulb, el, label, person, resources, when } from './format.js';

/** What the table shows and what the keyboard moves over. */
export const table = {
  items: [],
  current: -1,
  selected: new Set(),
};

/** Replace the rows (a new query) or add to them (the next page). */
export function show(container, items, { append = false, zone, open }) {
  if (!append) {
    table.items = [];
    table.current = -1;
    table.selected.clear();
  }
  table.items.push(...items);
  const head = el('thead', {}, el('tr', {},
    el('th', { scope: 'col' }, el('input', {
      type: 'checkbox', id: 'select-page', 'aria-label': 'Select every anomaly shown',
      checked: table.items.length > 0 && table.items.every((a) => table.selected.has(a.id)),
      onchange: (event) => selectShown(event.target.checked),
    })),
    el('th', { scope: 'col' }, `Detected (${zone})`),
    el('th', { scope: 'col' }, FIELD_NAMES.type),
    el('th', { scope: 'col' }, FIELD_NAMES.severity),
    el('th', { scope: 'col' }, 'Requester'),
    el('th', { scope: 'col', class: 'hide-narrow' }, 'Resources'),
    el('th', { scope: 'col', class: 'hide-narrow' }, FIELD_NAMES.integration),
    el('th', { scope: 'col' }, FIELD_NAMES.status),
    el('th', { scope: 'col' }, 'Summary'),
    el('th', { scope: 'col', title: 'Details and recommendation' }, 'Details')));
  const body = el('tbody', {}, ...table.items.map((a, i) => row(a, i, zone, open)));
  container.replaceChildren(el('table', { 'aria-label': 'Anomalies, newest first' }, head, body));
  // For the speed figures: when rows became visible (see performance.getEntriesByName).
  performance.mark('rows-shown');
}

function row(anomaly, index, zone, open) {
  const id = anomaly.id;
  return el('tr', { 'data-id': id, 'data-index': String(index), class: index === table.current ? 'current' : '' },
    el('td', {}, el('input', {
      type: 'checkbox', class: 'pick', 'aria-label': `Select ${id}`, checked: table.selected.has(id),
      onchange: (event) => select(id, event.target.checked),
    })),
    el('td', { class: 'when' }, el('time', { datetime: anomaly.detected_at }, when(anomaly.detected_at, zone))),
    el('td', {}, label('type', anomaly.type)),
    el('td', { class: `sev sev-${anomaly.severity}` }, label('severity', anomaly.severity)),
    el('td', {}, person(anomaly.requester)),
    el('td', { class: 'hide-narrow' }, resources(anomaly.resources)),
    el('td', { class: 'hide-narrow' }, anomaly.integration.name || anomaly.integration.id),
    el('td', { class: 'status' }, label('status', anomaly.status)),
    el('td', { class: 'summary' }, anomaly.summary),
    el('td', {}, el('button', {
      type: 'button', class: 'open', 'aria-haspopup': 'dialog',
      'aria-label': `Details and recommendation for ${id}`, title: 'Details and recommendation',
      onclick: () => open(id),
    }, bulb())));
}

let selectionChanged = () => {};

/** Call `handler` whenever the selection changes. */
export function onSelection(handler) {
  selectionChanged = handler;
}

export function select(id, on) {
  if (on) table.selected.add(id); else table.selected.delete(id);
  const box = document.querySelector(`tr[data-id="${id}"] input.pick`);
  if (box) box.checked = on;
  const all = document.getElementById('select-page');
  if (all) all.checked = table.items.every((a) => table.selected.has(a.id));
  selectionChanged();
}

/** Select (or clear) every row shown. */
export function selectShown(on) {
  for (const a of table.items) {
    if (on) table.selected.add(a.id); else table.selected.delete(a.id);
  }
  for (const box of document.querySelectorAll('#list input.pick')) box.checked = on;
  selectionChanged();
}

/** Move the current row by `step` (j/k) and bring it into view. */
export function move(step) {
  if (table.items.length === 0) return;
  table.current = Math.min(table.items.length - 1, Math.max(0, table.current + step));
  for (const tr of document.querySelectorAll('tr.current')) tr.classList.remove('current');
  const tr = document.querySelector(`tr[data-index="${table.current}"]`);
  if (tr) {
    tr.classList.add('current');
    tr.querySelector('button.open').focus();
  }
}

/** The id of the current row, if any. */
export function currentId() {
  const item = table.items[table.current];
  return item ? item.id : '';
}

/** Update one row in place (after triage). */
export function replace(anomaly, zone, open) {
  const index = table.items.findIndex((a) => a.id === anomaly.id);
  if (index < 0) return;
  table.items[index] = anomaly;
  const tr = document.querySelector(`tr[data-index="${index}"]`);
  if (tr) tr.replaceWith(row(anomaly, index, zone, open));
}
