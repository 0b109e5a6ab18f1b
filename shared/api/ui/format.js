// format.js: how values read on the page — times in the chosen zone, names of types, severities and statuses, people and resources.
export const TYPES = {
  high_risk_access: 'High-risk access',
  approved_after_rejection: 'Approved after rejection',
  inactive_user: 'Inactive user',
  access_automation: 'Access automation',
  self_approval: 'Self-approval',
};
export const SEVERITIES = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };
export const STATUSES = {
  open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved', dismissed: 'Dismissed',
};
export const FIELD_NAMES = {
  type: 'Type', severity: 'Severity', resource_type: 'Resource Type', user: 'User',
  integration: 'Integration', status: 'Status',
};

/** The zone times are shown in: the URL's `tz`, else the browser's. */
export function zone(state) {
  return state.time.tz || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** `2026-03-02 10:00` in `timeZone`. */
export function when(iso, timeZone) {
  if (!iso) return '';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type) => (parts.find((p) => p.type === type) || {}).value || '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export function label(field, value) {
  const names = { type: TYPES, severity: SEVERITIES, status: STATUSES }[field];
  return (names && names[value]) || value;
}

export function person(party) {
  if (!party) return '';
  return party.name ? `${party.name} (${party.id})` : party.id;
}

export function resources(list) {
  return (list || []).map((r) => r.name || r.id).join(', ');
}

/** An element with attributes and children (text or elements); `null` children are skipped. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** The recommendation icon (a light bulb), drawn as SVG so it needs no icon font. */
export function bulb() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '18');
  svg.setAttribute('height', '18');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M9 21h6v-1.5H9V21zm3-19a7 7 0 0 0-4 12.74V17a1 1 0 0 0 1 1h6a1 1 0 0 0 1-1v-2.26A7 7 0 0 0 12 2zm2.85 11.1-.85.6V16h-4v-2.3l-.85-.6A5 5 0 1 1 14.85 13.1z');
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
