// state.js: the page's state in its URL, in the API's own parameter names (a link opens the same view; back and forward work), plus the open anomaly.
export const LIST_FIELDS = ['type', 'severity', 'resource_type', 'user', 'integration', 'status'];
export const TIME_FIELDS = ['last', 'round_to_hour', 'from', 'to', 'tz'];

/** The state a URL's query describes. */
export function read(search = location.search) {
  const params = new URLSearchParams(search);
  const state = { filters: {}, time: {}, q: params.get('q') || '', anomaly: params.get('anomaly') || '' };
  for (const field of LIST_FIELDS) {
    const values = params.getAll(field).flatMap((v) => v.split(',')).filter(Boolean);
    if (values.length) state.filters[field] = [...new Set(values)];
  }
  for (const field of TIME_FIELDS) {
    if (params.has(field)) state.time[field] = params.get(field);
  }
  return state;
}

/** The API parameters of a state (`without` leaves one list filter out, as facets need). */
export function apiParams(state, without) {
  const params = new URLSearchParams();
  for (const field of LIST_FIELDS) {
    const values = state.filters[field];
    if (field !== without && values && values.length) params.set(field, values.join(','));
  }
  if (state.q) params.set('q', state.q);
  for (const field of TIME_FIELDS) {
    if (state.time[field] !== undefined && state.time[field] !== '') params.set(field, state.time[field]);
  }
  return params;
}

/** The page URL of a state. */
export function href(state) {
  const params = apiParams(state);
  if (state.anomaly) params.set('anomaly', state.anomaly);
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ''}`;
}

/** Record a state in the history (a new entry, or replacing the current one). */
export function write(state, { replace = false } = {}) {
  const url = href(state);
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
}

export function hasFilters(state) {
  return Object.keys(state.filters).length > 0 || state.q !== '' || Object.keys(state.time).length > 0;
}
