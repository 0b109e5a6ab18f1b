// filters.js: the filter bar — time (relative or absolute), six multi-selects whose values and counts come from the facets route under the other filters, free-text search, clear all; every change becomes a new page state.
import { get } from './api.js';
import { FIELD_NAMES, el, label } from './format.js';
import { LIST_FIELDS, apiParams } from './state.js';

const UNITS = [['m', 'minutes'], ['h', 'hours'], ['d', 'days'], ['w', 'weeks'], ['mo', 'months']];
/** The menu left open across re-renders (a checkbox change re-renders the bar). */
let openMenu = null;

function copy(state) {
  return { ...state, filters: { ...state.filters }, time: { ...state.time }, anomaly: '' };
}

/** Fill `form` with the bar for `state`; `change(next)` is called with each new state. */
export function render(form, state, change) {
  form.replaceChildren(
    timeFilter(state, change),
    ...LIST_FIELDS.map((field) => listFilter(field, state, change)),
    searchBox(state, change),
    el('button', {
      type: 'button', id: 'clear-all',
      onclick: () => change({ ...copy(state), filters: {}, time: {}, q: '' }),
    }, 'Clear all'),
  );
  form.onsubmit = (event) => event.preventDefault();
  if (openMenu) {
    const menu = form.querySelector(`[data-menu="${openMenu}"]`);
    if (menu) show(menu, false);
  }
}

/** Close any open menu (Esc, a click elsewhere). */
export function closeMenus() {
  openMenu = null;
  for (const menu of document.querySelectorAll('.menu:not([hidden])')) hide(menu);
}

function show(menu, focus = true) {
  closeOthers(menu);
  menu.hidden = false;
  openMenu = menu.dataset.menu;
  menu.previousElementSibling.setAttribute('aria-expanded', 'true');
  if (menu.load) menu.load();
  if (focus) (menu.querySelector('input, select, button') || menu).focus();
}

function hide(menu) {
  menu.hidden = true;
  menu.previousElementSibling.setAttribute('aria-expanded', 'false');
}

function closeOthers(except) {
  for (const menu of document.querySelectorAll('.menu:not([hidden])')) {
    if (menu !== except) hide(menu);
  }
}

function filter(name, summary, active, menu) {
  const id = `menu-${name}`;
  menu.id = id;
  menu.dataset.menu = name;
  menu.className = 'menu';
  menu.hidden = true;
  const button = el('button', {
    type: 'button', class: active ? 'active' : '', 'aria-expanded': 'false', 'aria-controls': id,
    'data-filter': name,
    onclick: () => {
      if (menu.hidden) show(menu);
      else { hide(menu); openMenu = null; }
    },
  }, summary);
  return el('div', { class: 'filter' }, button, menu);
}

function listFilter(field, state, change) {
  const selected = state.filters[field] || [];
  const name = FIELD_NAMES[field];
  const summary = selected.length === 0 ? name
    : selected.length === 1 ? `${name}: ${label(field, selected[0])}`
      : `${name}: ${selected.length} selected`;
  const search = el('input', {
    type: 'search', placeholder: 'Search…', 'aria-label': `Search ${name}`, class: 'menu-search',
  });
  const options = el('ul', { class: 'options', 'aria-label': `${name} values` });
  const menu = el('div', { role: 'group', 'aria-label': name }, search, options);
  let timer;
  menu.load = async () => {
    const params = apiParams(state, field);
    params.set('field', field);
    params.set('limit', '50');
    if (search.value) params.set('search', search.value);
    let values = [];
    try {
      values = (await get('/v1/anomalies/facets', params)).values;
    } catch (error) {
      options.replaceChildren(el('li', {}, error.message));
      return;
    }
    const shown = new Map(values.map((v) => [v.value, v]));
    for (const value of selected) {
      if (!shown.has(value)) shown.set(value, { value, label: null, count: 0 });
    }
    options.replaceChildren(...[...shown.values()].map((v) => el('li', {}, el('label', {},
      el('input', {
        type: 'checkbox', value: v.value, checked: selected.includes(v.value),
        onchange: (event) => {
          const next = copy(state);
          const values = new Set(selected);
          if (event.target.checked) values.add(v.value); else values.delete(v.value);
          if (values.size) next.filters[field] = [...values]; else delete next.filters[field];
          change(next);
        },
      }),
      el('span', {}, v.label || label(field, v.value)),
      el('span', { class: 'n' }, v.count ? String(v.count) : '')))));
  };
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(menu.load, 200);
  });
  return filter(field, summary, selected.length > 0, menu);
}

export function timeSummary(time) {
  if (time.last) {
    const match = time.last.match(/^(\d+)(mo|m|h|d|w)$/);
    const unit = match ? UNITS.find(([u]) => u === match[2])[1] : '';
    const round = time.round_to_hour === 'true' ? ', from the hour' : '';
    return match ? `Last ${match[1]} ${unit}${round}` : `Last ${time.last}`;
  }
  if (time.from || time.to) {
    return `${time.from || '…'} → ${time.to || 'now'}${time.tz ? ` (${time.tz})` : ''}`;
  }
  return 'All time';
}

function timeFilter(state, change) {
  const time = state.time;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const match = (time.last || '').match(/^(\d+)(mo|m|h|d|w)$/);
  const count = el('input', {
    type: 'number', min: '1', value: match ? match[1] : '7', 'aria-label': 'Last how many', id: 'last-count',
  });
  const unit = el('select', { 'aria-label': 'Unit', id: 'last-unit' },
    ...UNITS.map(([u, name]) => el('option', { value: u, selected: (match ? match[2] : 'd') === u }, name)));
  const round = el('input', { type: 'checkbox', id: 'round', checked: time.round_to_hour === 'true' });
  const relative = el('div', { role: 'tabpanel', 'aria-label': 'Relative' },
    el('div', { class: 'row' }, el('span', {}, 'Last'), count, unit),
    el('div', { class: 'row' }, el('label', {}, round, ' Round to the hours')),
    el('div', { class: 'row' }, el('button', {
      type: 'button', class: 'primary', id: 'apply-relative',
      onclick: () => {
        const next = copy(state);
        next.time = { last: `${Math.max(1, parseInt(count.value, 10) || 1)}${unit.value}` };
        if (round.checked) next.time.round_to_hour = 'true';
        if (time.tz) next.time.tz = time.tz;
        closeMenus();
        change(next);
      },
    }, 'Apply')));
  const from = el('input', { type: 'datetime-local', id: 'from', value: time.from || '', 'aria-label': 'From' });
  const to = el('input', { type: 'datetime-local', id: 'to', value: time.to || '', 'aria-label': 'To' });
  const utc = el('input', { type: 'checkbox', id: 'use-utc', checked: time.tz === 'UTC' });
  const absolute = el('div', { role: 'tabpanel', 'aria-label': 'Absolute', hidden: !(time.from || time.to) },
    el('div', { class: 'row' }, el('label', { for: 'from' }, 'From'), from),
    el('div', { class: 'row' }, el('label', { for: 'to' }, 'To'), to),
    el('div', { class: 'row' }, el('label', {}, utc, ' Use UTC')),
    el('div', { class: 'row' }, el('button', {
      type: 'button', class: 'primary', id: 'apply-absolute',
      onclick: () => {
        const next = copy(state);
        next.time = { tz: utc.checked ? 'UTC' : browserZone };
        if (from.value) next.time.from = from.value;
        if (to.value) next.time.to = to.value;
        closeMenus();
        change(next);
      },
    }, 'Apply')));
  relative.hidden = !absolute.hidden;
  const tab = (name, panel, other) => el('button', {
    type: 'button', role: 'tab', 'aria-selected': String(!panel.hidden),
    onclick: (event) => {
      panel.hidden = false;
      other.hidden = true;
      for (const b of event.target.parentNode.children) b.setAttribute('aria-selected', String(b === event.target));
    },
  }, name);
  const menu = el('div', { role: 'group', 'aria-label': 'Time' },
    el('div', { class: 'tabs', role: 'tablist' }, tab('Relative', relative, absolute), tab('Absolute', absolute, relative)),
    relative, absolute,
    el('div', { class: 'row' }, el('button', {
      type: 'button', id: 'all-time',
      onclick: () => { closeMenus(); change({ ...copy(state), time: {} }); },
    }, 'All time')));
  return filter('time', timeSummary(time), Boolean(time.last || time.from || time.to), menu);
}

function searchBox(state, change) {
  let timer;
  const input = el('input', {
    type: 'search', name: 'q', id: 'q', class: 'search', value: state.q,
    placeholder: 'Search summaries, people, resources…', 'aria-label': 'Search anomalies',
  });
  const apply = () => {
    if (input.value.trim() === state.q) return;
    change({ ...copy(state), q: input.value.trim() });
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 350); });
  input.addEventListener('keydown', (event) => { if (event.key === 'Enter') { clearTimeout(timer); apply(); } });
  return input;
}
