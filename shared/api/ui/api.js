// api.js: calls to /v1/* with the bearer token; failures become ApiError values the page can explain (401 signs out, 400 names the parameter, 0 is the network).
import { refused, token } from './auth.js';

export class ApiError extends Error {
  constructor(status, code, message, parameter) {
    super(message);
    this.status = status;
    this.code = code;
    this.parameter = parameter;
  }
}

/** `method path?params` with an optional JSON body; the parsed answer. */
export async function call(method, path, { params, body } = {}) {
  const query = params ? params.toString() : '';
  const url = query ? `${path}?${query}` : path;
  const bearer = await token();
  if (!bearer) {
    refused();
    throw new ApiError(401, 'unauthorized', 'Sign in to see anomalies.');
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The API could not be reached.');
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    if (response.status === 401) refused();
    throw new ApiError(response.status, error.code || 'error', error.message || response.statusText, error.parameter);
  }
  return data;
}

export const get = (path, params) => call('GET', path, { params });
