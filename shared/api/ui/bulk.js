// bulk.js: the bar for changing many anomalies at once — the selected rows, or every anomaly matching the filters — with a confirmation stating the filter and the count.
import { call } from './api.js';
import { FIELD_NAMES, STATUSES, el, label } from './format.js';
import { LIST_FIELDS, apiParams } from './state.js';
import { timeSummary } from './filters.js';

/** The API's limit for one bulk change. */
export const MAX_BULK = 500;
/** "Every matching anomaly" was chosen rather than the ticked rows. */
let everyMatching = false;
let said = '';

/** Forget "every matching" (a new query) and the last result. */
export function reset({ keepResult = false } = {}) {
  everyMatching = false;
  if (!keepResult) said = '';
}

/** The filters in words, for the confirmation. */
export function describe(state) {
  const parts = LIST_FIELDS.filter((f) => state.filters[f])
    .map((f) => `${FIELD_NAMES[f]}: ${state.filters[f].map((v) => label(f, v)).join(', ')}`);
  if (state.q) parts.push(`search “${state.q}”`);
  parts.push(timeSummary(state.time));
  return parts.join('; ');
}

/** Fill `bar` for `selected` ids out of `total` matching; `done()` reloads the list. */
export function render(bar, { state, selected, shown, total, done }) {
  const count = everyMatching ? total : selected.size;
  if (count === 0 && !said) {
    bar.hidden = true;
    bar.replaceChildren();
    return;
  }
  bar.hidden = false;
  const status = el('select', { id: 'bulk-status', 'aria-label': 'New status for the selected anomalies' },
    ...['acknowledged', 'resolved', 'dismissed'].map((s) => el('option', { value: s }, STATUSES[s])));
  const note = el('input', { type: 'text', id: 'bulk-note', 'aria-label': 'Note for the selected anomalies', placeholder: 'Note (optional)', maxlength: '2000' });
  const result = el('span', { id: 'bulk-result', role: 'status' }, said);
  if (count === 0) {
    bar.replaceChildren(result);
    return;
  }
  const apply = async () => {
    const what = everyMatching ? `all ${total} anomalies matching ${describe(state)}` : `${count} selected ${count === 1 ? 'anomaly' : 'anomalies'}`;
    if (!window.confirm(`Set ${what} to ${STATUSES[status.value]}?`)) return;
    const body = { status: status.value };
    if (note.value) body.note = note.value;
    if (everyMatching) body.filter = apiParams(state).toString();
    else body.ids = [...selected];
    try {
      const outcome = await call('POST', '/v1/anomalies/triage', { body });
      const failed = outcome.failed.map((f) => `${f.id} (${f.code})`).join(', ');
      said = `${outcome.changed.length} set to ${STATUSES[outcome.status]}${failed ? `; not changed: ${failed}` : ''}.`;
    } catch (error) {
      said = error.message;
    }
    everyMatching = false;
    done();
  };
  const tooMany = everyMatching && total > MAX_BULK;
  bar.replaceChildren(
    el('span', { id: 'bulk-count' }, everyMatching ? `All ${total} matching selected` : `${count} selected`),
    !everyMatching && total > shown && selected.size === shown
      ? el('button', { type: 'button', id: 'select-all-matching', onclick: () => { everyMatching = true; render(bar, { state, selected, shown, total, done }); } },
        `Select all ${total} matching`)
      : null,
    status, note,
    el('button', { type: 'button', class: 'primary', id: 'bulk-apply', disabled: tooMany, onclick: apply }, 'Change status'),
    tooMany ? el('span', {}, `At most ${MAX_BULK} at once: narrow the filters.`) : null,
    result,
  );
}
