// details.js: the Alert Details panel — the anomaly, its evidence per type, recommended actions, links to the access platform, the triage history, and the actions (change status, revoke).
import { call } from './api.js';
import { STATUSES, TYPES, el, label, person, when } from './format.js';

/** Render `anomaly` (the details document) into `dialog`; `changed(anomaly)` after an action. */
export function render(dialog, anomaly, { zone, changed, close }) {
  const t = (iso) => el('time', { datetime: iso }, `${when(iso, zone)}`);
  const links = anomaly.links || {};
  const linkOr = (name, text) => (links[name] ? el('a', { href: links[name], rel: 'noreferrer', target: '_blank' }, text) : text);
  const fields = [
    ['Type', TYPES[anomaly.type] || anomaly.type],
    ['Severity', label('severity', anomaly.severity)],
    ['Status', label('status', anomaly.status)],
    ['Detected', t(anomaly.detected_at)],
    ['Updated', t(anomaly.updated_at)],
    ['Requester', requester(anomaly.requester)],
    ['Request ID', linkOr('request', anomaly.request_id)],
    ['Integration', `${anomaly.integration.name || anomaly.integration.id}${anomaly.integration.type ? ` (${anomaly.integration.type})` : ''}`],
    ['Resource type', anomaly.resource_type],
    ['Resources', el('div', {}, ...(anomaly.resources || []).map(resource))],
    ['Permissions', (anomaly.permissions || []).join(', ')],
    ['Access flow', anomaly.access_flow ? linkOr('access_flow', anomaly.access_flow.name || anomaly.access_flow.id) : '—'],
  ];
  dialog.replaceChildren(
    el('header', {},
      el('div', {},
        el('h2', { id: 'details-title' }, 'Alert Details'),
        el('p', { class: 'summary' }, anomaly.summary)),
      el('div', {},
        el('button', { type: 'button', id: 'copy-link', onclick: copyLink }, 'Copy link'),
        ' ',
        el('button', { type: 'button', id: 'close-details', onclick: close }, 'Close'))),
    el('dl', {}, ...fields.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)])),
    el('section', { 'aria-labelledby': 'evidence-title' },
      el('h3', { id: 'evidence-title' }, 'Evidence'), evidence(anomaly.evidence, zone)),
    el('section', { 'aria-labelledby': 'actions-title' },
      el('h3', { id: 'actions-title' }, 'Recommended actions'),
      el('ol', {}, ...(anomaly.recommended_actions || []).map((a) => el('li', {}, a)))),
    el('section', { class: 'actions', 'aria-labelledby': 'triage-title' },
      el('h3', { id: 'triage-title' }, 'Triage'),
      triage(anomaly, changed),
      el('p', { class: 'result', role: 'status', 'aria-live': 'polite' })),
    el('section', { 'aria-labelledby': 'history-title' },
      el('h3', { id: 'history-title' }, 'History'), history(anomaly.history || [], zone)));
}

function requester(party) {
  return el('span', {}, person(party), party.email ? el('span', {}, ' · ', el('a', { href: `mailto:${party.email}` }, party.email)) : null);
}

function resource(r) {
  const tags = Object.entries(r.tags || {}).map(([k, v]) => el('span', { class: 'tag' }, `${k}=${v}`));
  return el('div', {}, r.name ? `${r.name} (${r.id})` : r.id, tags.length ? el('div', {}, ...tags) : null);
}

/** Evidence, as each rule records it. */
function evidence(e, zone) {
  const rows = [];
  const add = (name, value) => rows.push(el('dt', {}, name), el('dd', {}, value));
  switch (e.type) {
    case 'high_risk_access':
      add('Sensitive', el('ul', {}, ...(e.sensitive || []).map((m) => el('li', {}, `“${m.keyword}” in ${m.field.replace('_', ' ')} ${m.value} of ${m.resource_id}`))));
      add('Elevated', el('ul', {}, ...(e.elevated || []).map((m) => el('li', {}, `“${m.keyword}” in permission ${m.permission}`))));
      break;
    case 'approved_after_rejection':
      add('Rejected request', e.rejected_request_id);
      add('Rejected', `${when(e.rejected_at, zone)} by ${person(e.rejected_by)}`);
      add('Reason', e.rejection_reason || '—');
      add('Approved', `${when(e.approved_at, zone)} by ${person(e.approved_by)}`);
      add('Days between', String(e.days_since_rejection));
      add('In common', [...(e.common_resources || []), ...(e.common_permissions || [])].join(', '));
      break;
    case 'inactive_user':
      add('Previous request', `${e.previous_request_id} at ${when(e.previous_request_at, zone)}`);
      add('Days inactive', String(e.days_inactive));
      break;
    case 'access_automation': {
      const trigger = e.trigger || {};
      const stats = Object.entries(trigger).filter(([k]) => k !== 'name').map(([k, v]) => `${k.replaceAll('_', ' ')} ${v}`).join(', ');
      add('Trigger', `${(trigger.name || '').replaceAll('_', ' ')}${stats ? ` (${stats})` : ''}`);
      add('Requests', `${e.count} between ${when(e.first_seen, zone)} and ${when(e.last_seen, zone)}`);
      add('Request ids', (e.request_ids || []).join(', '));
      break;
    }
    case 'self_approval':
      add('Approved', `${when(e.approved_at, zone)} by ${person(e.approver)}`);
      add('Same person by', e.matched_on === 'email' ? 'email (another account)' : 'id');
      break;
    default:
      add('Details', JSON.stringify(e));
  }
  return el('dl', {}, ...rows);
}

function history(entries, zone) {
  if (entries.length === 0) return el('p', {}, 'No triage yet.');
  return el('ol', { class: 'timeline' }, ...entries.map((h) => el('li', {},
    el('time', { datetime: h.at }, when(h.at, zone)), ' · ', h.actor, ' · ',
    h.action === 'revoke_requested' ? 'revocation requested' : `${label('status', h.from || '')} → ${label('status', h.to || '')}`,
    h.note ? el('div', {}, h.note) : null,
    h.suppress_until ? el('div', {}, `suppressed until ${when(h.suppress_until, zone)}`) : null)));
}

function triage(anomaly, changed) {
  const status = el('select', { id: 'triage-status', 'aria-label': 'New status' },
    ...['acknowledged', 'resolved', 'dismissed'].map((s) => el('option', { value: s }, STATUSES[s])));
  const note = el('input', { type: 'text', id: 'triage-note', 'aria-label': 'Note', placeholder: 'Note (optional)', maxlength: '2000' });
  const until = el('input', { type: 'datetime-local', id: 'suppress-until', 'aria-label': 'Suppress until', hidden: true });
  status.addEventListener('change', () => { until.hidden = status.value !== 'dismissed'; });
  const report = (form, text) => { form.parentNode.querySelector('.result').textContent = text; };
  const submit = async (event) => {
    event.preventDefault();
    const body = { status: status.value, expected_updated_at: anomaly.updated_at };
    if (note.value) body.note = note.value;
    if (status.value === 'dismissed' && until.value) body.suppress_until = new Date(until.value).toISOString();
    await act(event.target, anomaly.id, changed, report, () => call('PATCH', `/v1/anomalies/${anomaly.id}`, { body }), `Status set to ${STATUSES[status.value]}.`);
  };
  const revoke = async (event) => {
    const form = event.target.closest('form');
    const who = person(anomaly.requester);
    if (!window.confirm(`Revoke request ${anomaly.request_id} of ${who}? The access platform is asked to remove the access.`)) return;
    const body = note.value ? { reason: note.value } : {};
    await act(form, anomaly.id, changed, report, async () => {
      await call('POST', `/v1/anomalies/${anomaly.id}/revoke`, { body });
      return call('GET', `/v1/anomalies/${anomaly.id}`);
    }, 'Revocation requested.');
  };
  return el('form', { onsubmit: submit },
    status, until, note,
    el('button', { type: 'submit', class: 'primary', id: 'triage-apply' }, 'Change status'),
    el('button', { type: 'button', id: 'revoke', onclick: revoke }, 'Revoke access'));
}

/** Run one action; a 409 (a concurrent change) reloads the record and says so. */
async function act(form, id, changed, report, run, done) {
  for (const b of form.querySelectorAll('button')) b.disabled = true;
  try {
    const updated = await run();
    changed(updated, done);
  } catch (error) {
    if (error.status === 409) {
      const fresh = await call('GET', `/v1/anomalies/${id}`).catch(() => null);
      if (fresh) changed(fresh, 'Someone changed this anomaly meanwhile; it has been reloaded. Try again.');
    } else {
      report(form, error.message);
    }
  } finally {
    for (const b of form.querySelectorAll('button')) b.disabled = false;
  }
}

async function copyLink() {
  const button = document.getElementById('copy-link');
  try {
    await navigator.clipboard.writeText(location.href);
    button.textContent = 'Link copied';
  } catch {
    button.textContent = 'Copy the address bar';
  }
}
