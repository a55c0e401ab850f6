import { bytes, dateTime, duration, fill, h, labelCells } from './dom.js';
import { every } from './app.js';

export function render(main, { api, user, signal }) {
  const body = h('tbody');
  const table = h('table', { 'data-test': 'devices', class: 'stack' },
    h('thead', {}, h('tr', {}, ['Device', 'Endpoint', 'Connected', 'Audio', 'Conversation', 'Transcription'].map(t => h('th', { scope: 'col' }, t)))),
    body);
  const none = h('p', { class: 'muted', hidden: true }, 'No devices connected.');
  const updated = h('p', { class: 'muted', role: 'status' });
  main.append(
    h('h1', { tabindex: -1 }, 'Live devices'),
    h('p', { class: 'muted' }, user.is_superuser ? 'Every user’s devices, as the server holds them now.' : 'Your devices, as the server holds them now.'),
    none, h('div', { class: 'scroll' }, table), updated);

  const open = new Set(); // the task trees a reader unfolded stay unfolded across refreshes
  return every(2000, signal, async () => {
    const { clients } = await api('GET', '/api/clients/active');
    none.hidden = clients.length > 0;
    table.hidden = clients.length === 0;
    fill(body, clients.flatMap(c => {
      const tree = h('details', { open: open.has(c.client_id) },
        h('summary', {}, 'Task tree'), c.tasks ? group(c.tasks) : h('p', { class: 'muted' }, 'not reported'));
      tree.addEventListener('toggle', () => (tree.open ? open.add(c.client_id) : open.delete(c.client_id)));
      return [
        h('tr', { 'data-test': 'device', 'data-client-id': c.client_id },
          h('th', { scope: 'row' }, c.client_id, c.device_name ? h('div', { class: 'muted' }, c.device_name) : null,
            user.is_superuser && c.user_id !== user.id ? h('div', { class: 'muted' }, `user ${c.user_id.slice(-6)}`) : null),
          h('td', {}, c.endpoint),
          h('td', {}, dateTime(new Date(c.connected_at))),
          h('td', {}, c.frames !== undefined ? `${c.frames} frames, ${bytes(c.bytes)}` : '–',
            c.last_audio_at ? h('div', { class: 'muted' }, `last ${ago(c.last_audio_at)}`) : null),
          h('td', {}, c.current_conversation
            ? [h('a', { href: `#/conversations/${encodeURIComponent(c.current_conversation)}` }, `#${c.current_conversation.slice(0, 8)}`),
              c.conversation_started_at ? h('div', { class: 'muted' }, `for ${duration((Date.now() - Date.parse(c.conversation_started_at)) / 1000)}`) : null]
            : h('span', { class: 'muted' }, 'none open')),
          h('td', {}, c.transcription_pending ? `${c.transcription_pending} pending` : 'idle')),
        h('tr', { class: 'tree' }, h('td', { colspan: 6 }, tree)),
      ];
    }));
    labelCells(table);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  });
}

function group(g) {
  return h('ul', { class: 'tasks' }, h('li', {},
    h('b', {}, g.name), ` ${g.state}, ${duration(g.age_seconds)}`,
    g.children.length || g.groups.length
      ? h('ul', {}, g.children.map(t => h('li', {}, t.name, h('span', { class: 'muted' }, ` ${t.state}, ${duration(t.age_seconds)}`))),
        g.groups.map(group))
      : null));
}

function ago(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return seconds < 2 ? 'just now' : `${Math.round(seconds)} s ago`;
}
