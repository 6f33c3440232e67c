// users.js - User management: the partner's staff, paged; add a user (its temporary password
// shown once), change roles, disable / enable, reset a password, remove.  Controls appear only
// for users.manage; the server refuses the rest anyway.
import { api, page } from './api.js';
import { h, clear, announce, copyText, bdi } from './dom.js';
import { t, tNodes, tText, builtinName } from './i18n.js';
import { input, labelled, statusLine, errorText, submitWith, checkFields, localError } from './form.js';

export const ROLES = ['global_admin', 'admin_agent', 'sales_agent', 'helpdesk_agent', 'billing_admin', 'user_management_admin'];

// Partner Center's two settings (docs: "create user accounts and set permissions", the
// 21Vianet edition): the agent roles say which customer data the user works with, the admin
// roles which partner functions; "No admin" is the documented default, so a new user starts
// with nothing ticked and the admin chooses (at least one role: the server refuses none).
const AGENTS = ['admin_agent', 'sales_agent', 'helpdesk_agent'];
const ADMINS = ['global_admin', 'billing_admin', 'user_management_admin'];

function roleGroup(prefix, kind, list, chosen, hint) {
  return h('fieldset', { class: 'role-group', id: `${prefix}-roles-${kind}` }, h('legend', null, t(`users.${kind}Roles`)),
    hint ? h('p', { class: 'muted role-hint', id: `${prefix}-roles-${kind}-hint` }, t(hint)) : null,
    list.map((r) => {
      // each role explained in a line, tied to its checkbox
      const desc = h('span', { class: 'role-desc', id: `${prefix}-role-${r}-desc` }, t(`role.desc.${r}`));
      return h('div', { class: 'role-item' }, h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'roles', value: r, checked: chosen.includes(r), 'aria-describedby': desc.id }), ' ', t(`role.${r}`)), desc);
    }));
}

function roleBoxes(prefix, chosen, session) {
  const isGlobal = (session.roles || []).includes('global_admin');
  const admins = ADMINS.filter((r) => r !== 'global_admin' || isGlobal);
  return h('fieldset', { class: 'roles', 'data-field': 'roles', id: `${prefix}-roles` }, h('legend', null, t('users.roles')),
    roleGroup(prefix, 'agent', AGENTS, chosen), roleGroup(prefix, 'admin', admins, chosen, 'users.noAdminHint'));
}

const checked = (box) => [...box.querySelectorAll('input[name=roles]:checked')].map((x) => x.value);

function secretBox(out, text, pw) {
  clear(out, h('div', { class: 'card', role: 'status' }, h('p', { class: 'warning' }, text),
    h('div', { class: 'copy-row' }, h('input', { readonly: true, value: pw, class: 'mono', id: 'temp-password', 'aria-label': t('users.tempPassword') }),
      h('button', { type: 'button', onclick: () => copyText(pw) }, t('common.copy')))));
}

function addForm(ctx, out, reload) {
  const email = input('email', { type: 'email', id: 'u-email' });
  const name = input('displayName', { id: 'u-name' });
  const roles = roleBoxes('u', [], ctx.session);
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('users.add'));
  const form = h('form', { class: 'card', id: 'add-user', novalidate: true }, h('h2', null, t('users.addTitle')),
    labelled('users.email', email, { name: 'userPrincipalName', required: true }), labelled('users.displayName', name, { name: 'displayName', required: true }),
    roles, h('p', { class: 'field-error', id: 'u-roles-err', hidden: true }), status, h('div', { class: 'actions' }, submit));
  submitWith(form, submit, status, async () => {
    const wrong = checkFields({ email: email.value, displayName: name.value },
      [['email', 'userPrincipalName', '', true], ['displayName', 'displayName', '', true]], null, '');
    if (!checked(roles).length) wrong.roles = t('users.rolesRequired');
    if (Object.keys(wrong).length) throw localError(wrong);
    const r = await api('POST', '/v1/users', { userPrincipalName: email.value.trim(), displayName: name.value.trim(), roles: checked(roles) });
    form.reset();
    secretBox(out, tNodes('users.created', { user: r.data.userPrincipalName }), r.data.passwordProfile.password);
    await reload();
  });
  return form;
}

function actions(ctx, u, out, reload) {
  const run = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      clear(out, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
  };
  const editRoles = h('details', { class: 'inline' }, h('summary', null, t('users.editRoles')), (() => {
    const boxes = roleBoxes(`r-${u.id}`, u.roles, ctx.session);
    return h('div', null, boxes, h('button', { type: 'button', class: 'small', onclick: run(async () => {
      await api('PATCH', `/v1/users/${u.id}`, { roles: checked(boxes) });
      announce(t('users.saved'));
      await reload();
    }) }, t('subs.save')));
  })());
  return [editRoles,
    h('button', { type: 'button', class: 'small', onclick: run(async () => {
      await api('PATCH', `/v1/users/${u.id}`, { state: u.state === 'active' ? 'disabled' : 'active' });
      await reload();
    }) }, u.state === 'active' ? t('users.disable') : t('users.enable')),
    h('button', { type: 'button', class: 'small', onclick: run(async () => {
      if (!confirm(tText('users.resetConfirm', { user: u.userPrincipalName }))) return;
      const r = await api('POST', `/v1/users/${u.id}/resetpassword`);
      secretBox(out, tNodes('users.resetDone', { user: u.userPrincipalName }), r.data.passwordProfile.password);
    }) }, t('users.reset')),
    h('button', { type: 'button', class: 'small danger', onclick: run(async () => {
      if (!confirm(tText('users.removeConfirm', { user: u.userPrincipalName }))) return;
      await api('DELETE', `/v1/users/${u.id}`);
      await reload();
    }) }, t('users.remove'))];
}

export async function render(main, ctx) {
  const manage = ctx.can('users.manage');
  const out = h('div', { 'aria-live': 'polite' });
  const body = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, t('common.more'));
  let token = null;
  const load = async (append) => {
    const pg = await page('/v1/users?size=50', append ? token : undefined);
    token = pg.next;
    more.hidden = !token;
    const rows = pg.items.map((u) => h('tr', { 'data-user': u.userPrincipalName },
      h('td', null, bdi(u.userPrincipalName)), h('td', null, bdi(builtinName(u.displayName))),
      h('td', null, u.roles.map((r) => t(`role.${r}`)).join(', ')),
      h('td', null, h('span', { class: `badge ${u.state}` }, t(`state.${u.state}`)), u.mustChangePassword ? h('div', { class: 'muted' }, t('users.mustChange')) : null),
      manage ? h('td', { class: 'row-actions' }, u.id === ctx.session.id ? null : actions(ctx, u, out, () => load(false))) : null));
    if (append) body.append(...rows);
    else clear(body, rows);
  };
  more.addEventListener('click', () => load(true));
  clear(main, h('h1', null, t('users.title')), out,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' }, h('caption', { class: 'sr-only' }, t('users.title')),
      h('thead', null, h('tr', null, ['users.email', 'users.displayName', 'users.roles', 'account.state'].map((k) => h('th', { scope: 'col' }, t(k))),
        manage ? h('th', { scope: 'col' }, t('subs.actions')) : null)), body)),
    h('div', { class: 'pager' }, more),
    manage ? addForm(ctx, out, () => load(false)) : null);
  await load(false);
  if (ctx.can('apps.manage')) main.append(await (await import('./apps.js')).section(ctx));
}
