// account.js - one customer's account: company profile, billing profile (Edit -> Submit with
// the etag; when someone else changed it meanwhile, the page says so and shows the newer
// values instead of overwriting them), a CN customer's fapiao details (开票信息, part of the
// billing profile: the same etag), subscriptions and the tenant's users.
import { api, all, ApiError } from './api.js';
import { h, clear, announce, copyText, bdi, bdiJoin, download } from './dom.js';
import { t, tNodes, tText, nameOrder, stateName, builtinName } from './i18n.js';
import { input, labelled, statusLine, busy, errorText, showError, submitWith, checkFields, showFieldErrors, showStatus, localError } from './form.js';
import { subscriptionsTable } from './customers.js';
import { countryName } from './wizard.js';
import { offersFor } from './offers.js';
import { fapiaoFields, fapiaoRows } from './fapiao.js';

const ADDR = 'billingProfile.defaultAddress.';
const EDIT_FIELDS = [
  ['companyName', 'billingProfile.companyName', 'wizard.companyName', true],
  ['firstName', `${ADDR}firstName`, 'wizard.firstName', true],
  ['lastName', `${ADDR}lastName`, 'wizard.lastName', true],
  ['email', 'billingProfile.email', 'wizard.email', true],
  ['phoneNumber', `${ADDR}phoneNumber`, 'wizard.phone', false],
  ['addressLine1', `${ADDR}addressLine1`, 'wizard.addressLine1', true],
  ['addressLine2', `${ADDR}addressLine2`, 'wizard.addressLine2', false],
  ['city', `${ADDR}city`, 'wizard.city', true],
  ['state', `${ADDR}state`, 'wizard.state', false],
  ['postalCode', `${ADDR}postalCode`, 'wizard.postalCode', false],
];

function flat(b) {
  const a = b.defaultAddress || {};
  return { companyName: b.companyName, email: b.email, culture: b.culture, firstName: a.firstName, lastName: a.lastName,
    phoneNumber: a.phoneNumber, addressLine1: a.addressLine1, addressLine2: a.addressLine2, city: a.city, state: a.state,
    postalCode: a.postalCode, country: a.country };
}

// The PUT body: the whole profile is replaced, so the fapiao details go along unchanged.
function unflat(v, etag, fapiao) {
  const opt = (x) => (x ? x : undefined);
  return { companyName: v.companyName, email: v.email, culture: v.culture, language: v.culture.split('-')[0],
    defaultAddress: { firstName: v.firstName, lastName: v.lastName, phoneNumber: opt(v.phoneNumber), addressLine1: v.addressLine1,
      addressLine2: opt(v.addressLine2), city: v.city, state: opt(v.state), postalCode: opt(v.postalCode), country: v.country },
    fapiao: fapiao || undefined, attributes: { etag } };
}

// values are user text (isolated here) or nodes made by bdiJoin
const dl = (rows) => h('dl', null, rows.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', null, t(k)), h('dd', null, typeof v === 'string' ? bdi(v) : v)]));

function addressText(a) {
  return bdiJoin([a.addressLine1, a.addressLine2, a.city, a.state && stateName(a.country, a.state), a.postalCode, a.country && countryName(a.country)], ', ');
}

// The edit form's fields: the contact's names in the language's order (姓 before 名 in
// zh-CN), the address in the wizard's order (province, city, lines, postal code).
const EDIT_ORDER = ['companyName', 'NAMES', 'email', 'phoneNumber', 'state', 'city', 'addressLine1', 'addressLine2', 'postalCode'];
function editFields() {
  const by = (n) => EDIT_FIELDS.find((x) => x[0] === n);
  return EDIT_ORDER.flatMap((n) => (n === 'NAMES' ? nameOrder().map(by) : [by(n)]));
}

function billingView(b) {
  const a = b.defaultAddress || {};
  return dl([['wizard.companyName', b.companyName], ['wizard.contact', a.firstName || a.lastName ? tNodes('common.personName', { first: a.firstName || '', last: a.lastName || '' }) : null],
    ['wizard.email', b.email], ['wizard.phone', a.phoneNumber], ['wizard.address', addressText(a)],
    ['wizard.language', t(`lang.${b.culture}`) !== `lang.${b.culture}` ? t(`lang.${b.culture}`) : b.culture]]);
}

async function states(country) {
  try {
    const r = await api('GET', `/v1/countryvalidationrules/${country}`);
    return r.data;
  } catch {
    return { supportedStatesList: [], supportedCulturesList: [] };
  }
}

// The edit form; `notice` and `mine` explain a conflict (the user's unsaved values).
async function billingEdit(box, ctx, cid, current, onDone, notice, mine) {
  const v = flat(current.profile);
  const rules = await states(v.country);
  const needs = { postalCode: rules.isPostalCodeRequired, city: rules.isCityRequired, state: rules.isStateRequired };
  const fields = editFields();
  const controls = fields.map(([name, path, label, required]) => {
    const list = name === 'state' ? rules.supportedStatesList || [] : [];
    const el = list.length
      ? h('select', { name, id: `b-${name}` }, h('option', { value: '' }, t('wizard.choose')), list.map((s) => h('option', { value: s }, stateName(v.country, s))))
      : input(name, { id: `b-${name}` });
    el.value = v[name] || '';
    return [name, el, labelled(name === 'state' && v.country === 'CN' ? 'wizard.province' : label, el, { name: path, required: required || !!needs[name] })];
  });
  const cultures = rules.supportedCulturesList && rules.supportedCulturesList.length ? rules.supportedCulturesList : [v.culture];
  const culture = h('select', { name: 'culture', id: 'b-culture' }, cultures.map((c) => h('option', { value: c }, t(`lang.${c}`) !== `lang.${c}` ? t(`lang.${c}`) : c)));
  culture.value = v.culture;
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary', id: 'billing-submit' }, t('account.submit'));
  const cancel = h('button', { type: 'button', id: 'billing-cancel', onclick: () => onDone() }, t('common.cancel'));
  const form = h('form', { id: 'billing-form', novalidate: true },
    notice ? h('div', { class: 'conflict', role: 'alert', id: 'conflict' }, h('p', null, notice),
      mine && mine.length ? [h('p', null, t('account.yourChanges')), h('ul', null, mine.map(([k, was, now]) => h('li', null, tNodes('account.change', { field: t(k), mine: now || '—', theirs: was || '—' }))))] : null) : null,
    controls.map((c) => c[2]), labelled('wizard.language', culture, { name: 'billingProfile.culture', required: true }),
    status, h('div', { class: 'actions' }, submit, cancel));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = { ...v, culture: culture.value };
    for (const [name, el] of controls) values[name] = el.value.trim();
    // the country's rules first: nothing is sent while a field is wrong
    const wrong = checkFields(values, fields, rules.iso2Code ? rules : null, ADDR);
    if (Object.keys(wrong).length) {
      showFieldErrors(form, wrong);
      return showStatus(status, t('wizard.fixErrors'));
    }
    busy(submit, true);
    try {
      const r = await api('PUT', `/v1/customers/${cid}/profiles/billing`, unflat(values, current.etag, current.profile.fapiao), { headers: { 'If-Match': current.etag } });
      announce(t('account.saved'));
      onDone(t('account.saved'), r.data);
    } catch (e) {
      busy(submit, false);
      if (e instanceof ApiError && e.status === 412) {
        const fresh = await api('GET', `/v1/customers/${cid}/profiles/billing`);
        const theirs = flat(fresh.data);
        const changed = EDIT_FIELDS.filter(([n]) => (values[n] || '') !== (v[n] || '')).map(([n, , label]) => [label, theirs[n], values[n]]);
        return billingEdit(box, ctx, cid, { profile: fresh.data, etag: fresh.data.attributes.etag }, onDone, t('account.conflict'), changed);
      }
      showError(form, status, e);
    }
  });
  clear(box, form);
  (notice ? form.querySelector('#conflict') : controls[0][1]).focus();
  if (notice) form.querySelector('#conflict').setAttribute('tabindex', '-1');
}

// The fapiao card's edit form: the profile as it is with new fapiao details, under its etag.
function fapiaoEdit(box, cid, current, onDone, notice) {
  const fields = fapiaoFields(current.profile.fapiao || {});
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary', id: 'fapiao-submit' }, t('account.submit'));
  const cancel = h('button', { type: 'button', id: 'fapiao-cancel', onclick: () => onDone() }, t('common.cancel'));
  const form = h('form', { id: 'fapiao-form', novalidate: true },
    notice ? h('div', { class: 'conflict', role: 'alert', id: 'fapiao-conflict', tabindex: '-1' }, h('p', null, notice)) : null,
    fields.nodes, status, h('div', { class: 'actions' }, submit, cancel));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(submit, true);
    const body = { ...current.profile, fapiao: fields.read(), attributes: { etag: current.etag } };
    delete body.links;
    try {
      const r = await api('PUT', `/v1/customers/${cid}/profiles/billing`, body, { headers: { 'If-Match': current.etag } });
      announce(t('fapiao.saved'));
      onDone(t('fapiao.saved'), r.data);
    } catch (e) {
      busy(submit, false);
      if (e instanceof ApiError && e.status === 412) {
        const fresh = (await api('GET', `/v1/customers/${cid}/profiles/billing`)).data;
        return fapiaoEdit(box, cid, { profile: fresh, etag: fresh.attributes.etag }, onDone, t('account.conflict'));
      }
      showError(form, status, e);
    }
  });
  clear(box, form);
  (notice ? form.querySelector('#fapiao-conflict') : form.querySelector('select')).focus();
}

// The billing profile and, for a CN customer, the fapiao card: one profile, one etag.
function billingSection(ctx, cid, profile) {
  const box = h('div');
  const fpBox = h('div', { id: 'fapiao-card' });
  let current = { profile, etag: profile.attributes.etag };
  const update = (updated) => { if (updated) current = { profile: updated, etag: updated.attributes.etag }; };
  const showFapiao = (message, updated) => {
    update(updated);
    const f = current.profile.fapiao;
    const edit = ctx.can('billing.write') ? h('button', { type: 'button', id: 'fapiao-edit',
      onclick: () => fapiaoEdit(fpBox, cid, current, (m, u) => { showFapiao(m, u); show(null, null, true); }) }, t('fapiao.edit')) : null;
    clear(fpBox, message ? h('p', { class: 'form-status ok', role: 'status' }, message) : null,
      f ? dl(fapiaoRows(f)) : h('p', { class: 'muted', id: 'fapiao-none' }, t('fapiao.none')), edit);
    if (message && edit) edit.focus();
  };
  const show = (message, updated, quiet) => {
    update(updated);
    const edit = ctx.can('billing.write') ? h('button', { type: 'button', id: 'billing-edit', onclick: () => billingEdit(box, ctx, cid, current, show) }, t('account.edit')) : null;
    clear(box, message ? h('p', { class: 'form-status ok', role: 'status' }, message) : null, billingView(current.profile), edit);
    if (message) edit && edit.focus();
    if (!quiet) showFapiao();
  };
  show();
  return { box, fpBox, cn: (profile.defaultAddress || {}).country === 'CN' };
}

function resetButton(cid, u, out) {
  return h('button', { type: 'button', class: 'small', onclick: async () => {
    if (!confirm(tText('account.resetConfirm', { user: u.userPrincipalName }))) return;
    try {
      const r = await api('POST', `/v1/customers/${cid}/users/${u.id}/resetpassword`);
      const pw = (r.data.passwordProfile || {}).password || '';
      clear(out, h('p', { class: 'warning' }, tNodes('account.resetDone', { user: u.userPrincipalName })),
        h('div', { class: 'copy-row' }, h('input', { readonly: true, value: pw, class: 'mono', 'aria-label': t('wizard.adminPassword') }),
          h('button', { type: 'button', onclick: () => copyText(pw) }, t('common.copy'))));
    } catch (e) {
      clear(out, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
  } }, t('account.resetPassword'));
}

function removeButton(cid, u, out, reload) {
  return h('button', { type: 'button', class: 'small danger', onclick: async () => {
    if (!confirm(tText('account.removeUserConfirm', { user: u.userPrincipalName }))) return;
    try {
      await api('DELETE', `/v1/customers/${cid}/users/${u.id}`);
      await reload();
      announce(t('account.userRemoved', { user: u.userPrincipalName }));
    } catch (e) {
      clear(out, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
  } }, t('users.remove'));
}

async function usersSection(ctx, c) {
  const cid = c.id;
  const box = h('div');
  // the tenant's users are read through the relationship: once it ends, the server refuses
  if (c.relationshipToPartner !== 'reseller') return clear(box, h('p', { class: 'muted' }, t('account.usersNoRelationship')));
  const out = h('div', { role: 'status' });
  const table = h('div');
  const manage = ctx.can('customer_users.manage');
  const reload = async () => {
    const items = await all(`/v1/customers/${cid}/users?size=500`);
    clear(table, !items.length ? h('p', { class: 'muted' }, t('account.noUsers')) : h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, t('account.users')),
      h('thead', null, h('tr', null, ['account.userName', 'account.displayName', 'account.roles', 'account.state', 'subs.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, items.map((u) => h('tr', { 'data-user': u.userPrincipalName }, h('td', null, bdi(u.userPrincipalName)), h('td', null, bdi(builtinName(u.displayName))),
        h('td', null, (u.roles || []).map((x) => t(`customerRole.${x}`)).join(', ')), h('td', null, t(`state.${u.state}`)),
        h('td', { class: 'row-actions' }, ctx.can('customer_users.reset_password') ? resetButton(cid, u, out) : null,
          manage ? removeButton(cid, u, out, reload) : null)))))));
  };
  await reload();
  clear(box, table, out, manage ? userForm(cid, c.companyProfile.domain, out, reload) : null);
  return box;
}

// Add subscriptions to an existing customer: one order of one line.
function orderForm(ctx, c, reload) {
  const offer = h('select', { id: 'order-offer', name: 'offerId' });
  const qty = h('input', { type: 'number', id: 'order-qty', name: 'quantity', min: 1, value: 1, class: 'qty' });
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('account.order'));
  const form = h('form', { id: 'order-form', class: 'inline-form', novalidate: true }, h('h3', null, t('account.addSubs')),
    labelled('subs.offer', offer, { name: 'lineItems[0].offerId', required: true }),
    labelled('subs.quantity', qty, { name: 'lineItems[0].quantity', required: true }), status, h('div', { class: 'actions' }, submit));
  offersFor(c.billingProfile.defaultAddress.country).then((offers) => {
    clear(offer, offers.map((o) => h('option', { value: o.id }, `${o.name} (${t('wizard.bounds', { min: o.minimumQuantity, max: o.maximumQuantity })})`)));
  });
  submitWith(form, submit, status, async () => {
    const o = (await offersFor(c.billingProfile.defaultAddress.country)).find((x) => x.id === offer.value);
    const n = Number(qty.value);
    if (o && !(qty.value !== '' && Number.isInteger(n) && n >= o.minimumQuantity && n <= o.maximumQuantity))
      throw localError({ 'lineItems[0].quantity': t('wizard.outOfBounds', { min: o.minimumQuantity, max: o.maximumQuantity }) });
    await api('POST', `/v1/customers/${c.id}/orders`, { lineItems: [{ offerId: offer.value, quantity: Number(qty.value) }] });
    await reload(t('account.ordered'));
  });
  return form;
}

// A user in the customer's tenant: name at the customer's domain, a role; the password is
// generated and shown once.
function userForm(cid, domain, out, reload) {
  const name = input('userPrincipalName', { id: 'cu-name', autocomplete: 'off' });
  const display = input('displayName', { id: 'cu-display' });
  const role = h('select', { id: 'cu-role', name: 'roles' }, ['user', 'company_administrator'].map((r) => h('option', { value: r }, t(`customerRole.${r}`))));
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('account.addUser'));
  const f = labelled('account.userName', name, { name: 'userPrincipalName', required: true });
  const wrap = h('div', { class: 'with-suffix' });
  name.replaceWith(wrap);
  wrap.append(name, h('span', { class: 'suffix' }, `@${domain}`));
  const form = h('form', { id: 'customer-user-form', class: 'inline-form', novalidate: true }, h('h3', null, t('account.addUser')), f,
    labelled('account.displayName', display, { name: 'displayName', required: true }), labelled('account.roles', role, { name: 'roles' }),
    status, h('div', { class: 'actions' }, submit));
  submitWith(form, submit, status, async () => {
    const wrong = checkFields({ userPrincipalName: name.value, displayName: display.value },
      [['userPrincipalName', 'userPrincipalName', '', true], ['displayName', 'displayName', '', true]], null, '');
    if (Object.keys(wrong).length) throw localError(wrong);
    const r = await api('POST', `/v1/customers/${cid}/users`, { userPrincipalName: name.value.trim(), displayName: display.value.trim(), roles: [role.value] });
    form.reset();
    await reload();
    secret(out, tNodes('account.userAdded', { user: r.data.userPrincipalName }), (r.data.passwordProfile || {}).password || '');
  });
  return form;
}

function secret(out, text, pw) {
  clear(out, h('p', { class: 'warning' }, text),
    h('div', { class: 'copy-row' }, h('input', { readonly: true, value: pw, class: 'mono', id: 'customer-user-password', 'aria-label': t('wizard.adminPassword') }),
      h('button', { type: 'button', onclick: () => copyText(pw) }, t('common.copy'))));
}

function endRelationship(ctx, c, out) {
  return h('button', { type: 'button', class: 'danger', id: 'end-relationship', onclick: async () => {
    if (!confirm(tText('account.endConfirm', { name: c.companyProfile.companyName }))) return;
    try {
      await api('PATCH', `/v1/customers/${c.id}`, { relationshipToPartner: 'none' });
      announce(t('account.ended'));
      ctx.go('#/customers');
    } catch (e) {
      clear(out, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
  } }, t('account.endRelationship'));
}

// The customer's subscriptions as the server's CSV export (GET .../subscriptions?$format=csv:
// id, offer name, quantity, status, reseller; cells by csvCell's formula rule).
function exportSubs(c) {
  const status = h('span', { role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary' }, t('account.exportSubs'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await fetch(`/v1/customers/${c.id}/subscriptions?$format=csv`, { credentials: 'same-origin',
        headers: { Accept: 'text/csv', 'X-Locale': document.documentElement.lang || 'en-US' } });
      const text = await res.text();
      if (!res.ok) throw new ApiError(res.status, JSON.parse(text || '{}'));
      download(`subscriptions-${c.companyProfile.domain.split('.')[0]}.csv`, text, 'text/csv;charset=utf-8');
      status.textContent = t('account.exportedSubs');
    } catch (e) {
      status.textContent = errorText(e);
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'actions' }, button, status);
}

export async function render(main, ctx, [cid]) {
  const [cust, billing] = await Promise.all([api('GET', `/v1/customers/${cid}`), api('GET', `/v1/customers/${cid}/profiles/billing`)]);
  const c = cust.data;
  const cp = c.companyProfile;
  const subsBox = h('div');
  const showSubs = async (note) => clear(subsBox, await subscriptionsTable(ctx, c, note));
  await showSubs();
  const users = await usersSection(ctx, c);
  const out = h('div', { role: 'status' });
  const billingBoxes = billingSection(ctx, cid, billing.data);
  clear(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/customers' }, t('customers.title'))),
    h('h1', null, bdi(cp.companyName)),
    h('section', { class: 'card', 'aria-labelledby': 'company-h' }, h('h2', { id: 'company-h' }, t('account.company')),
      dl([['wizard.companyName', cp.companyName], ['wizard.domain', cp.domain], ['account.tenantId', cp.tenantId],
        ['wizard.regnum', cp.organizationRegistrationNumber], ['wizard.address', addressText(cp.address || {})],
        ['customers.relationship', t(`relationship.${c.relationshipToPartner}`)]]),
      ctx.can('relationships.manage') && c.relationshipToPartner === 'reseller' ? h('div', { class: 'actions' }, endRelationship(ctx, c, out)) : null, out),
    h('section', { class: 'card', 'aria-labelledby': 'billing-h' }, h('h2', { id: 'billing-h' }, t('account.billing')), billingBoxes.box),
    billingBoxes.cn ? h('section', { class: 'card', 'aria-labelledby': 'fapiao-h' }, h('h2', { id: 'fapiao-h' }, t('fapiao.heading')), billingBoxes.fpBox) : null,
    h('section', { class: 'card', 'aria-labelledby': 'subs-h' }, h('h2', { id: 'subs-h' }, t('account.subscriptions')), subsBox,
      exportSubs(c), ctx.can('orders.write') ? orderForm(ctx, c, showSubs) : null),
    h('section', { class: 'card', 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, t('account.users')), users));
}
