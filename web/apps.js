// apps.js - the partner's applications (client credentials for scripts): add one with roles
// (its secret shown once), make a new secret, revoke.  Shown on the user-management page to
// those who hold apps.manage.
import { api, all } from './api.js';
import { h, clear, announce, copyText, bdi } from './dom.js';
import { t, tNodes, tText, fmtDate } from './i18n.js';
import { input, labelled, statusLine, errorText, submitWith } from './form.js';
import { ROLES } from './users.js';

function secretBox(out, title, app, secret) {
  const row = (label, value, id) => h('div', { class: 'field' }, h('label', { for: id }, t(label)),
    h('div', { class: 'copy-row' }, h('input', { id, readonly: true, value, class: 'mono' }),
      h('button', { type: 'button', onclick: () => copyText(value), 'aria-label': t('common.copyWhat', { what: t(label) }) }, t('common.copy'))));
  clear(out, h('div', { class: 'card', role: 'status' }, h('p', { class: 'warning' }, title),
    row('apps.clientId', app.clientId, 'app-client-id'), row('apps.secret', secret, 'app-secret')));
}

function roleChecks(session) {
  const isGlobal = (session.roles || []).includes('global_admin');
  return h('fieldset', { class: 'roles', 'data-field': 'roles', id: 'app-roles' }, h('legend', null, t('users.roles')),
    ROLES.filter((r) => r !== 'global_admin' || isGlobal).map((r) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'roles', value: r, checked: r === 'sales_agent' }), ' ', t(`role.${r}`))));
}

function addForm(ctx, out, reload) {
  const name = input('displayName', { id: 'app-name' });
  const roles = roleChecks(ctx.session);
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('apps.add'));
  const form = h('form', { id: 'add-app', novalidate: true }, h('h3', null, t('apps.addTitle')),
    labelled('apps.name', name, { name: 'displayName', required: true }), roles, status, h('div', { class: 'actions' }, submit));
  submitWith(form, submit, status, async () => {
    const chosen = [...roles.querySelectorAll('input:checked')].map((x) => x.value);
    const r = await api('POST', '/v1/apps', { displayName: name.value.trim(), roles: chosen });
    form.reset();
    secretBox(out, tNodes('apps.created', { name: r.data.displayName }), r.data, r.data.clientSecret);
    await reload();
  });
  return form;
}

function actions(a, out, reload) {
  const run = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      clear(out, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
  };
  if (a.state !== 'active') return null;
  return [h('button', { type: 'button', class: 'small', onclick: run(async () => {
    if (!confirm(tText('apps.rotateConfirm', { name: a.displayName }))) return;
    const r = await api('POST', `/v1/apps/${a.id}/secret`);
    secretBox(out, tNodes('apps.rotated', { name: a.displayName }), r.data, r.data.clientSecret);
  }) }, t('apps.rotate')),
  h('button', { type: 'button', class: 'small danger', onclick: run(async () => {
    if (!confirm(tText('apps.revokeConfirm', { name: a.displayName }))) return;
    await api('DELETE', `/v1/apps/${a.id}`);
    announce(t('apps.revoked', { name: a.displayName }));
    await reload();
  }) }, t('apps.revoke'))];
}

export async function section(ctx) {
  const out = h('div', { 'aria-live': 'polite' });
  const table = h('div');
  const reload = async () => {
    const items = await all('/v1/apps?size=500');
    clear(table, !items.length ? h('p', { class: 'muted' }, t('apps.none')) : h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, t('apps.title')),
      h('thead', null, h('tr', null, ['apps.name', 'apps.clientId', 'users.roles', 'account.state', 'apps.secretDate', 'subs.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, items.map((a) => h('tr', { 'data-app': a.displayName }, h('td', null, bdi(a.displayName)), h('td', { class: 'mono' }, a.clientId),
        h('td', null, a.roles.map((r) => t(`role.${r}`)).join(', ')), h('td', null, h('span', { class: `badge ${a.state}` }, t(`appState.${a.state}`))),
        h('td', null, fmtDate(a.secretUpdatedAt, true)), h('td', { class: 'row-actions' }, actions(a, out, reload))))))));
  };
  await reload();
  return h('section', { class: 'card', 'aria-labelledby': 'apps-h' }, h('h2', { id: 'apps-h' }, t('apps.title')),
    h('p', { class: 'muted' }, t('apps.intro')), out, table, addForm(ctx, out, reload));
}
