// The page's shell: hash routes, the navigation, the signed-in user, and one error line.
// Each page is a module loaded when first opened: export render(main, context), which may return
// a function that stops what the page started (polling, the microphone) when it is left.
import { api, ApiError, currentUser, setUnauthorizedHandler, signOut, token } from './api.js';
import { fill, h } from './dom.js';

const pages = {
  login: { module: './login.js', title: 'Sign in', anonymous: true },
  conversations: { module: './conversations.js', title: 'Conversations', nav: 'Conversations' },
  conversation: { module: './conversation.js', title: 'Conversation' },
  memories: { module: './memories.js', title: 'Memories', nav: 'Memories' },
  actions: { module: './actions.js', title: 'Action items', nav: 'Action items' },
  upload: { module: './upload.js', title: 'Upload', nav: 'Upload' },
  record: { module: './record.js', title: 'Record', nav: 'Record' },
  live: { module: './live.js', title: 'Live devices', nav: 'Live' },
  system: { module: './system.js', title: 'System', nav: 'System', admin: true },
  users: { module: './users.js', title: 'Users', nav: 'Users', admin: true },
};

const main = document.querySelector('main');
const nav = document.querySelector('nav');
const errorLine = document.querySelector('[data-test="error"]');
let leave = null;
let generation = 0;

/** Shows an API failure (its sentence from the server) in the page's one error line. */
export function showError(error) {
  if (error instanceof ApiError && error.status === 401) return;
  errorLine.textContent = error?.message ?? String(error);
  errorLine.hidden = false;
}

export function clearError() {
  errorLine.textContent = '';
  errorLine.hidden = true;
}

/** Runs an action of a page (a click), showing what goes wrong instead of failing silently. */
export async function attempt(action) {
  clearError();
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

setUnauthorizedHandler(() => {
  if (location.hash !== '#/login') location.hash = '#/login';
});

function parseRoute() {
  const [name = '', id] = location.hash.replace(/^#\/?/, '').split('/');
  if (name === 'conversations' && id) return { name: 'conversation', id: decodeURIComponent(id) };
  return { name: pages[name] ? name : (token() ? 'conversations' : 'login'), id: null };
}

function renderNav(user, current) {
  if (!user) {
    nav.hidden = true;
    fill(nav);
    return;
  }
  nav.hidden = false;
  const links = Object.entries(pages)
    .filter(([, page]) => page.nav && (!page.admin || user.is_superuser))
    .map(([name, page]) => h('li', {}, h('a', {
      href: `#/${name}`,
      'aria-current': name === current || (current === 'conversation' && name === 'conversations') ? 'page' : null,
    }, page.nav)));
  fill(nav,
    h('ul', {}, links),
    h('span', { class: 'who' }, user.display_name || user.email),
    h('button', { type: 'button', class: 'link', onclick: () => { signOut(); location.hash = '#/login'; } }, 'Sign out'));
}

async function route() {
  const mine = ++generation;
  leave?.();
  leave = null;
  clearError();
  const { name, id } = parseRoute();
  const page = pages[name];
  let user = null;
  if (!page.anonymous) {
    if (!token()) {
      location.hash = '#/login';
      return;
    }
    try {
      user = await currentUser();
    } catch (error) {
      showError(error);
      return;
    }
  }
  if (mine !== generation) return;
  renderNav(user, name);
  document.title = `${page.title} · FriendLite`;
  main.setAttribute('aria-busy', 'true');
  fill(main);
  if (page.admin && !user.is_superuser) {
    fill(main, h('h1', {}, 'Not allowed'), h('p', {}, 'This page is for administrators.'));
    main.removeAttribute('aria-busy');
    return;
  }
  const controller = new AbortController();
  leave = () => controller.abort();
  try {
    const module = await import(page.module);
    if (mine !== generation) return;
    const stop = await module.render(main, { user, id, signal: controller.signal, api });
    if (typeof stop === 'function') controller.signal.addEventListener('abort', stop);
  } catch (error) {
    if (mine === generation) showError(error);
  } finally {
    if (mine === generation) main.removeAttribute('aria-busy');
  }
  if (mine === generation && !main.contains(document.activeElement)) {
    main.querySelector('h1')?.focus({ preventScroll: true });
  }
}

/**
 * Runs fn every `ms` until the page is left, skipping a beat while one is still running; the first
 * run is at once (its promise is returned) unless `immediately` is false.
 */
export function every(ms, signal, fn, { immediately = true } = {}) {
  let running = false;
  const tick = async () => {
    if (running || signal.aborted) return;
    running = true;
    try {
      await fn();
    } catch (error) {
      showError(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, ms);
  signal.addEventListener('abort', () => clearInterval(timer));
  return immediately ? tick() : Promise.resolve();
}

document.querySelector('.skip').addEventListener('click', e => { e.preventDefault(); main.focus(); });
window.addEventListener('hashchange', route);
route();
