import { dateTime, fill, h, labelCells } from './dom.js';
import { attempt } from './app.js';

export async function render(main, { api, user: me }) {
  const rows = h('tbody');
  const email = h('input', { id: 'new-email', type: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { id: 'new-password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const name = h('input', { id: 'new-name', type: 'text', autocomplete: 'off' });
  const admin = h('input', { id: 'new-admin', type: 'checkbox' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'create-user' },
    h('h2', { id: 'create-user' }, 'Create user'),
    h('label', { for: 'new-email' }, 'Email'), email,
    h('label', { for: 'new-password' }, 'Password'), password,
    h('label', { for: 'new-name' }, 'Display name'), name,
    h('p', {}, admin, ' ', h('label', { for: 'new-admin' }, 'Administrator')),
    h('button', { type: 'submit' }, 'Create user'));
  const note = h('p', { role: 'status', class: 'notice' });
  let table;
  main.append(h('h1', { tabindex: -1 }, 'Users'), note,
    h('div', { class: 'scroll' }, table = h('table', { class: 'stack' },
      h('thead', {}, h('tr', {}, ['Email', 'Name', 'Role', 'Status', 'Created', ''].map(t => h('th', { scope: 'col' }, t)))),
      rows)),
    form);

  async function load() {
    const users = await api('GET', '/api/users');
    fill(rows, users.map(row));
    labelCells(table);
  }

  function row(u) {
    const self = u.id === me.id;
    const toggle = h('button', {
      type: 'button',
      disabled: self,
      title: self ? 'You cannot deactivate yourself.' : null,
      onclick: () => attempt(async () => {
        await api('PATCH', `/api/users/${encodeURIComponent(u.id)}`, { is_active: !u.is_active });
        note.textContent = `${u.email} ${u.is_active ? 'deactivated: its tokens stop working and its devices are disconnected' : 'activated'}.`;
        await load();
      }),
    }, u.is_active ? 'Deactivate' : 'Activate');
    const remove = h('button', {
      type: 'button',
      class: 'danger',
      disabled: self,
      onclick: () => attempt(async () => {
        if (!confirm(`Delete ${u.email}? Their conversations, audio and memories are deleted too.`)) return;
        await api('DELETE', `/api/users/${encodeURIComponent(u.id)}?delete_data=true`);
        note.textContent = `${u.email} deleted.`;
        await load();
      }),
    }, 'Delete');
    return h('tr', { 'data-test': 'user', 'data-email': u.email },
      h('td', {}, u.email), h('td', {}, u.display_name ?? ''),
      h('td', {}, u.is_superuser ? 'admin' : 'user'),
      h('td', {}, u.is_active ? 'active' : h('span', { class: 'badge degraded' }, 'deactivated')),
      h('td', {}, dateTime(new Date(u.created_at))),
      h('td', { class: 'buttons' }, toggle, ' ', remove));
  }

  form.addEventListener('submit', event => {
    event.preventDefault();
    attempt(async () => {
      const body = { email: email.value.trim(), password: password.value, is_superuser: admin.checked };
      if (name.value.trim()) body.display_name = name.value.trim();
      await api('POST', '/api/users', body);
      note.textContent = `${body.email} created.`;
      form.reset();
      await load();
    });
  });
  await load();
}
