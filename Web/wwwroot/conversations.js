import { dayLabel, duration, h, timeOfDay } from './dom.js';
import { attempt } from './app.js';

const PAGE = 30;

export async function render(main, { api }) {
  const list = h('div', { class: 'days' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const empty = h('p', { class: 'muted', hidden: true },
    'No conversations yet. Connect a device, ', h('a', { href: '#/record' }, 'record in this browser'),
    ' or ', h('a', { href: '#/upload' }, 'upload a WAV file'), '.');
  main.append(h('h1', { tabindex: -1 }, 'Conversations'), empty, list, more);

  let before = null;
  let lastDay = null;
  let currentList = null;

  async function load() {
    const query = new URLSearchParams({ flat: 'true', limit: String(PAGE) });
    if (before) query.set('before', before);
    const page = await api('GET', `/api/conversations?${query}`);
    for (const conversation of page.conversations) {
      const started = new Date(conversation.created_at);
      const day = dayLabel(started);
      if (day !== lastDay) {
        lastDay = day;
        currentList = h('ul', { class: 'conversations' });
        list.append(h('section', {}, h('h2', {}, day), currentList));
      }
      currentList.append(item(conversation, started));
    }
    const last = page.conversations.at(-1);
    if (last) before = last.conversation_id;
    more.hidden = page.conversations.length < PAGE;
    empty.hidden = list.childElementCount > 0;
  }

  more.addEventListener('click', () => attempt(async () => {
    more.disabled = true;
    try {
      await load();
    } finally {
      more.disabled = false;
    }
  }));
  await load();
}

function item(c, started) {
  const title = c.title || 'Untitled conversation';
  const facts = [
    timeOfDay(started),
    duration(c.duration_seconds),
    c.client_id,
    c.state === 'open' ? 'recording now' : c.state === 'failed' ? 'failed' : null,
    c.memory_count ? `${c.memory_count} ${c.memory_count === 1 ? 'memory' : 'memories'}` : null,
    c.action_item_count ? `${c.action_item_count} action ${c.action_item_count === 1 ? 'item' : 'items'}` : null,
  ].filter(Boolean);
  const words = c.preview ?? c.summary;
  return h('li', { dataset: { test: 'conversation', id: c.conversation_id } },
    h('a', { href: `#/conversations/${encodeURIComponent(c.conversation_id)}` }, title),
    h('p', { class: 'facts' }, facts.join(' · ')),
    words ? h('p', { class: 'preview' }, words) : null);
}

