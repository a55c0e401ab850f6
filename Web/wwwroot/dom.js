// Small DOM helpers: elements are built with h(), never from HTML strings, so text from the API
// is always text (no markup it carries can run).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Runs fn at most once per `ms`, after the last call (search as you type). */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const dayMonth = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const fullDay = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function daysBetween(from, to) {
  return Math.round((startOfDay(to) - startOfDay(from)) / 86400000);
}

/** "Today", "Yesterday", "Monday 30 November" (with the year when it is not this year). */
export function dayLabel(date, now = new Date()) {
  const days = daysBetween(date, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return date.getFullYear() === now.getFullYear() ? dayMonth.format(date) : fullDay.format(date);
}

export function timeOfDay(date) {
  return clock.format(date);
}

export function dateTime(date) {
  return stamp.format(date);
}

/** A due moment as people say it: "today 15:00", "tomorrow 09:00", "Friday 10:00", "overdue: Monday 09:00". */
export function relativeDue(date, now = new Date()) {
  const days = daysBetween(now, date);
  let text;
  if (days === 0) text = `today ${clock.format(date)}`;
  else if (days === 1) text = `tomorrow ${clock.format(date)}`;
  else if (days === -1) text = `yesterday ${clock.format(date)}`;
  else if (days > 1 && days < 7) text = `${weekday.format(date)} ${clock.format(date)}`;
  else text = `${dateTime(date)}`;
  return date < now ? `overdue: ${text}` : text;
}

/** 75 -> "1:15", 3700 -> "1:01:40". */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function bytes(n) {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/**
 * Gives each cell of a table its column's name (data-label), so that on a phone, where the
 * stylesheet shows each row as a card, every value is still named. Call it after filling the body.
 */
export function labelCells(table) {
  const names = [...table.querySelectorAll('thead th')].map(th => th.textContent);
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.children].forEach((cell, i) => {
      if (names[i] && cell.colSpan === 1) cell.dataset.label = names[i];
    });
  }
}
