import { dateTime, debounce, fill, h, relativeDue } from './dom.js';
import { attempt, showError } from './app.js';

export async function render(main, { api, signal }) {
  const search = h('input', { id: 'memory-search', type: 'search', autocomplete: 'off', placeholder: 'oat milk, dentist, Anna…' });
  const status = h('p', { class: 'muted', role: 'status' });
  const results = h('ul', { class: 'memories' });
  const content = h('textarea', { id: 'new-memory', rows: 2, maxlength: 2000, required: true });
  const add = h('button', { type: 'submit' }, 'Add memory');
  const form = h('form', { class: 'card' }, h('label', { for: 'new-memory' }, 'New memory'), content, add);

  main.append(
    h('h1', { tabindex: -1 }, 'Memories'),
    h('label', { for: 'memory-search' }, 'Search memories'), search,
    status, results,
    h('h2', {}, 'Add one yourself'), form);

  let asked = 0;
  async function load() {
    const mine = ++asked;
    const query = search.value.trim();
    const body = query
      ? await api('GET', `/api/memories/search?${new URLSearchParams({ query, limit: '30' })}`)
      : await api('GET', '/api/memories?limit=50');
    if (mine !== asked || signal.aborted) return;
    const rows = query ? body.results : body.memories;
    status.textContent = query
      ? `${rows.length} ${rows.length === 1 ? 'result' : 'results'} for “${query}”`
      : rows.length ? `The newest ${rows.length} of ${body.total_count ?? rows.length}` : 'No memories yet: they are made from your conversations as they close.';
    fill(results, rows.map(row));
  }

  function row(m) {
    const meta = m.metadata ?? {};
    const isItem = meta.kind === 'action_item';
    const conversation = meta.conversation_id
      ? h('a', { href: `#/conversations/${encodeURIComponent(meta.conversation_id)}` }, 'conversation')
      : null;
    const extra = isItem
      ? [h('span', { class: 'tag' }, meta.completed || meta.status === 'completed' ? 'done' : 'to do'),
        meta.due_date ? h('time', { datetime: meta.due_date, class: 'due' }, relativeDue(new Date(meta.due_date))) : null,
        h('a', { href: '#/actions' }, 'action items')]
      : [h('span', { class: 'muted' }, dateTime(new Date(m.created_at))), meta.source === 'user' ? h('span', { class: 'tag' }, 'added by you') : null];
    const remove = isItem ? null : h('button', {
      type: 'button',
      class: 'link danger',
      'aria-label': `Delete “${m.memory}”`,
      onclick: () => attempt(async () => {
        if (!confirm(`Delete the memory “${m.memory}”?`)) return;
        await api('DELETE', `/api/memories/${encodeURIComponent(m.id)}`);
        await load();
      }),
    }, 'Delete');
    return h('li', { 'data-test': 'memory', 'data-kind': isItem ? 'action_item' : 'memory' },
      h('p', {}, isItem ? h('span', { class: 'tag' }, 'action item') : null, ' ', m.memory),
      h('p', { class: 'facts' }, extra, conversation, remove));
  }

  search.addEventListener('input', debounce(() => load().catch(showError), 250));
  form.addEventListener('submit', event => {
    event.preventDefault();
    attempt(async () => {
      add.disabled = true;
      try {
        await api('POST', '/api/memories', { content: content.value.trim() });
        content.value = '';
        search.value = '';
        await load();
      } finally {
        add.disabled = false;
      }
    });
  });
  await load();
}
