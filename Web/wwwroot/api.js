// The server's own API, and the signed-in user's token (kept in sessionStorage: gone when the tab closes).

const TOKEN_KEY = 'friendlite.token';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let onUnauthorized = () => {};

/** What to do when the server says the token is no good (the page returns to the login). */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
}

let me = null;

/** The signed-in user (GET /api/me), asked once per sign-in. */
export async function currentUser() {
  me ??= await api('GET', '/api/me');
  return me;
}

export async function signIn(email, password) {
  const response = await fetch('/auth/jwt/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: email, password }),
  });
  const body = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, detailOf(body, response));
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  me = null;
  return currentUser();
}

/** One API call: JSON in and out, the token as a bearer header; errors as ApiError with the server's sentence. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Is it running, and is this device on its network?');
  }
  const data = await readBody(response);
  if (response.status === 401) refused(detailOf(data, response));
  if (!response.ok) throw new ApiError(response.status, detailOf(data, response));
  return data;
}

/** Uploads one file to POST /api/process-audio-files with progress (fetch cannot report upload progress). */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/process-audio-files');
    xhr.setRequestHeader('Authorization', `Bearer ${token()}`);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', e => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener('load', () => {
      const data = xhr.response;
      if (xhr.status === 401) refused(data?.detail);
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data?.detail ?? `The server answered ${xhr.status}.`));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'The upload was cut off: the server cannot be reached.')));
    const form = new FormData();
    form.append('files', file, file.name);
    xhr.send(form);
  });
}

/** The token is no good any more: forget it and let the page return to the login. */
function refused(detail) {
  signOut();
  onUnauthorized(detail);
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

function detailOf(body, response) {
  const detail = body?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map(d => d.msg ?? JSON.stringify(d)).join('; ');
  return `The server answered ${response.status} ${response.statusText}.`;
}
