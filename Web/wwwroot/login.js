import { signIn, signOut } from './api.js';
import { h } from './dom.js';

export function render(main) {
  signOut();
  const alert = h('p', { role: 'alert', class: 'error', hidden: true });
  const email = h('input', { id: 'email', name: 'username', type: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card narrow' },
    h('h1', { tabindex: -1 }, 'Sign in'),
    h('label', { for: 'email' }, 'Email'), email,
    h('label', { for: 'password' }, 'Password'), password,
    alert,
    button);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    button.disabled = true;
    alert.hidden = true;
    try {
      await signIn(email.value.trim(), password.value);
      location.hash = '#/conversations';
    } catch (error) {
      alert.textContent = error.status === 400 || error.status === 401
        ? 'Wrong email or password.'
        : error.message;
      alert.hidden = false;
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  email.focus();
}
