// First-run setup and login. A 429 keeps the form locked for Retry-After
// seconds with a countdown.

import { api } from './api.js';
import { h } from './dom.js';

function passwordInput(name, label, autocomplete, minlength) {
  return h('label', {}, h('span', {}, label),
    h('input', { name, type: 'password', required: true, minlength, maxlength: 1024, autocomplete }));
}

function card(titleText, intro, form) {
  return h('div', { class: 'page auth' }, h('h1', {}, titleText), h('p', {}, intro), form);
}

function lockFor(seconds, button, error) {
  let left = seconds;
  button.disabled = true;
  const tick = () => {
    error.textContent = 'Too many failed logins. Try again in ' + left + ' s.';
    if (left <= 0) { button.disabled = false; error.textContent = 'You can try again now.'; return; }
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

export function loginPage(root, done) {
  const error = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { 'aria-describedby': 'login-error' },
    passwordInput('password', 'Password', 'current-password'), submit, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await api('POST', '/api/auth/login', { password: form.password.value });
      done();
    } catch (err) {
      if (err.status === 429) return lockFor(err.retryAfter || 60, submit, error);
      error.textContent = err.status === 401 ? 'Wrong password.' : err.message;
    }
    submit.disabled = false;
  });
  root.replaceChildren(card('Log in', 'Kumo has one account. Enter its password.', form));
  form.password.focus();
}

export function setupPage(root, done) {
  const error = h('p', { class: 'form-error', id: 'setup-error', role: 'alert' });
  const token = h('label', {}, h('span', {}, 'Setup token'),
    h('input', { name: 'token', type: 'text', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'token-hint' }),
    h('small', { id: 'token-hint' }, 'Shown in the gateway log (or KUMO_SETUP_TOKEN). Not needed on a gateway bound to loopback.'));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create account');
  const form = h('form', { 'aria-describedby': 'setup-error' }, token,
    passwordInput('password', 'Admin password (8 or more characters)', 'new-password', 8),
    passwordInput('confirm', 'Repeat the password', 'new-password', 8), submit, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (form.password.value !== form.confirm.value) {
      error.textContent = 'The passwords differ.';
      return;
    }
    submit.disabled = true;
    try {
      const body = { password: form.password.value };
      if (form.token.value.trim()) body.setup_token = form.token.value.trim();
      await api('POST', '/api/auth/setup', body);
      await api('POST', '/api/auth/login', { password: form.password.value });
      done();
    } catch (err) {
      error.textContent = err.status === 403 ? 'The setup token is missing or wrong.' : err.message;
    }
    submit.disabled = false;
  });
  root.replaceChildren(card('Welcome to Kumo', 'First start: set the admin password.', form));
  form.token.focus();
}
