// signin.js - sign-in (a cookie session from POST /portal/session) and the password change
// a new user must make before anything else.
import { api, ApiError, setCsrf } from './api.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { input, labelled, statusLine, showStatus, showFieldErrors, showError, busy, errorText } from './form.js';

export function render(main, ctx) {
  const user = input('username', { type: 'email', autocomplete: 'username', required: true });
  const pw = input('password', { type: 'password', autocomplete: 'current-password', required: true });
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
  const form = h('form', { class: 'card narrow', novalidate: true },
    h('h1', null, t('signin.title')),
    labelled('signin.email', user, { required: true }),
    labelled('signin.password', pw, { required: true }),
    status, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!user.value || !pw.value) return showStatus(status, t('signin.missing'));
    busy(submit, true);
    try {
      const r = await api('POST', '/portal/session', new URLSearchParams({ username: user.value, password: pw.value }), { quiet401: true });
      setCsrf(r.data.csrfToken);
      await ctx.refresh();
    } catch (e) {
      const key = e instanceof ApiError && e.status === 429 ? 'signin.throttled' : e instanceof ApiError && e.status === 400 ? 'signin.wrong' : null;
      showStatus(status, key ? t(key) : errorText(e));
      pw.value = '';
      pw.focus();
    } finally {
      busy(submit, false);
    }
  });
  clear(main, form);
  user.focus();
}

export const passwordView = {
  render(main, ctx, args, forced) {
    const cur = input('currentPassword', { type: 'password', autocomplete: 'current-password' });
    const next = input('newPassword', { type: 'password', autocomplete: 'new-password' });
    const again = input('confirm', { type: 'password', autocomplete: 'new-password' });
    const status = statusLine();
    const submit = h('button', { type: 'submit', class: 'primary' }, t('password.submit'));
    const form = h('form', { class: 'card narrow', novalidate: true },
      h('h1', null, t('password.title')),
      forced ? h('p', null, t('password.forced')) : null,
      labelled('password.current', cur, { required: true }),
      labelled('password.new', next, { required: true, hint: t('password.rules') }),
      labelled('password.confirm', again, { required: true }),
      status, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (next.value !== again.value) return showFieldErrors(form, { confirm: t('password.mismatch') });
      busy(submit, true);
      try {
        await api('POST', '/v1/me/password', { currentPassword: cur.value, newPassword: next.value });
        await ctx.refresh();
        ctx.go('#/');
      } catch (e) {
        showError(form, status, e);
      } finally {
        busy(submit, false);
      }
    });
    clear(main, form);
    cur.focus();
  },
};
