import { fill, h, relativeDue } from './dom.js';
import { attempt } from './app.js';

export async function render(main, { api }) {
  let status = 'open';
  const tabs = ['open', 'completed'].map(name => h('button', {
    type: 'button',
    'aria-pressed': String(name === status),
    onclick: () => attempt(() => choose(name)),
  }, name === 'open' ? 'Open' : 'Completed'));
  const list = h('ul', { class: 'items' });
  const note = h('p', { class: 'muted', role: 'status' });
  main.append(h('h1', { tabindex: -1 }, 'Action items'), h('div', { class: 'tabs', role: 'group', 'aria-label': 'Which items' }, tabs), note, list);

  async function choose(name) {
    status = name;
    tabs.forEach(tab => tab.setAttribute('aria-pressed', String(tab.textContent.toLowerCase() === name)));
    await load();
  }

  async function load() {
    const body = await api('GET', `/api/action-items?status=${status}&limit=200`);
    note.textContent = body.action_items.length ? '' : status === 'open' ? 'Nothing to do.' : 'Nothing completed yet.';
    fill(list, body.action_items.map(item));
  }

  function item(a) {
    const id = `item-${a.id}`;
    const done = a.status === 'completed';
    const box = h('input', { type: 'checkbox', id, checked: done });
    box.addEventListener('change', () => attempt(async () => {
      box.disabled = true;
      try {
        await api('PATCH', `/api/action-items/${encodeURIComponent(a.id)}`, { status: box.checked ? 'completed' : 'open' });
        await load();
      } catch (error) {
        box.checked = done;
        throw error;
      } finally {
        box.disabled = false;
      }
    }));
    const due = a.due_date ? new Date(a.due_date) : null;
    return h('li', { 'data-test': 'action-item', class: due && !done && due < new Date() ? 'overdue' : '' },
      box, h('label', { for: id, class: done ? 'done' : '' }, a.description),
      h('p', { class: 'facts' },
        due ? h('time', { datetime: a.due_date, title: due.toString() }, relativeDue(due)) : null,
        a.priority ? h('span', { class: `tag ${a.priority}` }, a.priority) : null,
        a.assignee ? h('span', {}, a.assignee) : null,
        a.conversation_id ? h('a', { href: `#/conversations/${encodeURIComponent(a.conversation_id)}` }, 'conversation') : null));
  }

  await load();
}
