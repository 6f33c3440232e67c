// wizard.js - Add customer: Account info -> Subscriptions -> Review -> Submit -> the new
// admin's credentials, shown once.  A CN customer's account info takes its unified social
// credit code (checked against the chosen province as it is typed: a warning, not a refusal)
// and, optionally, its fapiao details.  One POST /v1/customers (with its lineItems) makes the
// customer and its first subscriptions together; the wizard's MS-RequestId makes a repeated
// submit harmless.  Server errors go next to their fields, on the step that holds them.
import { api, ApiError } from './api.js';
import { h, clear, announce, copyText, setFieldError, bdi, bdiJoin } from './dom.js';
import { t, tNodes, fmtNum, language, nameOrder, stateName } from './i18n.js';
import { input, labelled, statusLine, showStatus, showFieldErrors, busy, errorText, checkFields, humanize } from './form.js';
import { offersFor } from './offers.js';
import { fapiaoFields, fapiaoRows } from './fapiao.js';
import { resellerField } from './resellers.js';

export const COUNTRIES = ['CN', 'HK', 'SG', 'JP', 'US', 'DE', 'GB', 'FR', 'HU', 'UA'];
const STEPS = ['wizard.stepAccount', 'wizard.stepSubscriptions', 'wizard.stepReview'];
const ADDR = 'billingProfile.defaultAddress.';

export function countryName(code) {
  try {
    return new Intl.DisplayNames([language()], { type: 'region' }).of(code);
  } catch {
    return code;
  }
}

function newState() {
  return { step: 0, requestId: crypto.randomUUID(), f: { country: 'CN', culture: 'zh-CN' }, lines: {}, rules: null, fp: {}, fpFilled: false };
}

// What was typed survives a reload of the tab (sessionStorage: this tab, this session only,
// tied to the signed-in user); sign-out and Cancel forget it (reset).
const SAVE_KEY = 'partnerd.wizard';
function restore() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SAVE_KEY));
    return s && s.f && s.requestId ? s : null;
  } catch {
    return null;
  }
}
function save() {
  const { errors, domainOk, ...keep } = state;
  sessionStorage.setItem(SAVE_KEY, JSON.stringify(keep));
}
export function reset() {
  state = newState();
  sessionStorage.removeItem(SAVE_KEY);
}
let state = restore() || newState();

async function rulesFor(country) {
  const r = await api('GET', `/v1/countryvalidationrules/${country}`);
  return r.data;
}

function stepper() {
  return h('ol', { class: 'steps', 'aria-label': t('wizard.progress') },
    STEPS.map((k, i) => h('li', { class: i === state.step ? 'current' : i < state.step ? 'done' : '', 'aria-current': i === state.step ? 'step' : null },
      h('span', { class: 'num' }, fmtNum(i + 1)), ' ', t(k))));
}

// Each account-info control: [state key, field path, catalog key, props, required]
const ACCOUNT_FIELDS = [
  ['companyName', 'billingProfile.companyName', 'wizard.companyName', { autocomplete: 'organization' }, true],
  ['firstName', `${ADDR}firstName`, 'wizard.firstName', { autocomplete: 'given-name' }, true],
  ['lastName', `${ADDR}lastName`, 'wizard.lastName', { autocomplete: 'family-name' }, true],
  ['email', 'billingProfile.email', 'wizard.email', { type: 'email', autocomplete: 'email' }, true],
  ['phoneNumber', `${ADDR}phoneNumber`, 'wizard.phone', { type: 'tel', autocomplete: 'tel' }, false],
  ['addressLine1', `${ADDR}addressLine1`, 'wizard.addressLine1', { autocomplete: 'address-line1' }, true],
  ['addressLine2', `${ADDR}addressLine2`, 'wizard.addressLine2', { autocomplete: 'address-line2' }, false],
  ['city', `${ADDR}city`, 'wizard.city', { autocomplete: 'address-level2' }, true],
  ['postalCode', `${ADDR}postalCode`, 'wizard.postalCode', { autocomplete: 'postal-code' }, false],
];

// The rules say which address parts a country requires (postal code, city, state).
function ruleRequires(name) {
  const r = state.rules || {};
  return { postalCode: r.isPostalCodeRequired, city: r.isCityRequired }[name];
}

function textField(key) {
  const [name, path, label, props, required] = ACCOUNT_FIELDS.find((x) => x[0] === key);
  const el = input(name, { ...props, value: state.f[name] || '', id: `w-${name}` });
  el.addEventListener('input', () => {
    state.f[name] = el.value;
    if (name === 'companyName') state.dups = null; // a new name: the server checks again
  });
  return labelled(label, el, { name: path, required: required || !!ruleRequires(name) });
}

function domainField(ctx) {
  const el = input('domain', { id: 'w-domain', value: state.f.domain || '', autocomplete: 'off', spellcheck: 'false',
    pattern: '[A-Za-z0-9]{1,27}' });
  const suffix = `.${ctx.session.domainSuffix}`;
  const check = h('p', { class: 'domain-check', id: 'w-domain-check', role: 'status', 'aria-live': 'polite' });
  let timer;
  let seq = 0;
  const run = async () => {
    const mine = ++seq;
    const v = el.value.trim().toLowerCase();
    state.domainOk = false;
    if (!v) return void (check.textContent = '');
    if (!/^[a-z0-9]{1,27}$/.test(v)) {
      check.textContent = t('wizard.domainInvalid');
      check.className = 'domain-check bad';
      return;
    }
    check.textContent = t('wizard.domainChecking');
    check.className = 'domain-check';
    try {
      await api('GET', `/v1/domains/${v}${suffix}`);
      if (mine !== seq) return;
      check.textContent = t('wizard.domainTaken', { domain: v + suffix });
      check.className = 'domain-check bad';
    } catch (e) {
      if (mine !== seq) return;
      const free = e instanceof ApiError && e.status === 404;
      state.domainOk = free;
      check.textContent = free ? t('wizard.domainFree', { domain: v + suffix }) : errorText(e);
      check.className = `domain-check ${free ? 'ok' : 'bad'}`;
    }
  };
  el.addEventListener('input', () => {
    state.f.domain = el.value.trim();
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  if (state.f.domain) run();
  const f = labelled('wizard.domain', el, { name: 'companyProfile.domain', required: true, hint: t('wizard.domainHint') });
  const wrap = h('div', { class: 'with-suffix' });
  el.replaceWith(wrap);
  wrap.append(el, h('span', { class: 'suffix' }, suffix));
  f.append(check);
  return f;
}

function selectField(name, path, label, options, required) {
  const el = h('select', { name, id: `w-${name}` }, options.map(([v, text]) => h('option', { value: v }, text)));
  el.value = state.f[name] || '';
  el.addEventListener('change', () => { state.f[name] = el.value; });
  return labelled(label, el, { name: path, required });
}

async function accountStep(main, ctx, box) {
  const rules = state.rules && state.rules.iso2Code === state.f.country ? state.rules : (state.rules = await rulesFor(state.f.country));
  if (!rules.supportedCulturesList.includes(state.f.culture)) state.f.culture = rules.defaultCulture;
  const country = selectField('country', `${ADDR}country`, 'wizard.country', COUNTRIES.map((c) => [c, countryName(c)]), true);
  country.querySelector('select').addEventListener('change', () => render(main, ctx));
  const states = rules.supportedStatesList || [];
  const province = states.length
    ? selectField('state', `${ADDR}state`, state.f.country === 'CN' ? 'wizard.province' : 'wizard.state', [['', t('wizard.choose')], ...states.map((s) => [s, stateName(state.f.country, s)])], rules.isStateRequired)
    : (() => {
      const el = input('state', { id: 'w-state', value: state.f.state || '' });
      el.addEventListener('input', () => { state.f.state = el.value; });
      return labelled('wizard.state', el, { name: `${ADDR}state`, required: rules.isStateRequired });
    })();
  if (states.length && !states.includes(state.f.state)) state.f.state = '';
  const culture = selectField('culture', 'billingProfile.culture', 'wizard.language',
    rules.supportedCulturesList.map((c) => [c, t(`lang.${c}`) !== `lang.${c}` ? t(`lang.${c}`) : c]), true);
  const cn = state.f.country === 'CN';
  const regnum = rules.customerOrganizationRegistrationNumberRequired || cn ? regnumField(rules, cn) : null;
  if (regnum && cn) province.querySelector('select').addEventListener('change', () => regnum.check());
  const reseller = await resellerField(state.f); // only when the partner has indirect resellers
  clear(box,
    h('fieldset', null, h('legend', null, t('wizard.company')), textField('companyName'), domainField(ctx), regnum, reseller),
    h('fieldset', null, h('legend', null, t('wizard.contact')), nameOrder().map(textField), textField('email'), textField('phoneNumber')),
    h('fieldset', null, h('legend', null, t('wizard.address')), country, province, textField('city'), textField('addressLine1'),
      textField('addressLine2'), textField('postalCode')),
    h('fieldset', null, h('legend', null, t('wizard.preferences')), culture),
    cn ? fapiaoFieldset() : null);
  if (regnum && cn && state.f.regnum) regnum.check();
}

// The registration number; for CN the unified social credit code, optional unless the
// deployment requires it, and compared with the province by the address validation service.
function regnumField(rules, cn) {
  const el = input('regnum', { id: 'w-regnum', value: state.f.regnum || '', autocomplete: 'off', spellcheck: 'false' });
  const note = h('p', { class: 'domain-check', id: 'w-regnum-check', role: 'status', 'aria-live': 'polite' });
  const f = labelled(cn ? 'wizard.uscc' : 'wizard.regnum', el, { name: 'companyProfile.organizationRegistrationNumber',
    required: rules.customerOrganizationRegistrationNumberRequired, hint: cn ? t('wizard.usccHint') : undefined });
  let timer;
  let seq = 0;
  f.check = async () => {
    const mine = ++seq;
    const code = (state.f.regnum || '').trim();
    if (!cn || !code) return void (note.textContent = '');
    const a = { country: 'CN', state: state.f.state || undefined, city: state.f.city || undefined,
      addressLine1: state.f.addressLine1 || undefined, postalCode: state.f.postalCode || undefined, organizationRegistrationNumber: code };
    try {
      const r = await api('POST', '/v1/validations/address', a);
      if (mine !== seq) return;
      const w = (r.data.warnings || [])[0];
      note.textContent = w ? w.message : '';
      note.className = `domain-check ${w ? 'warning' : 'ok'}`;
    } catch (e) {
      if (mine !== seq) return;
      note.textContent = errorText(e);
      note.className = 'domain-check bad';
    }
  };
  el.addEventListener('input', () => {
    state.f.regnum = el.value;
    clearTimeout(timer);
    timer = setTimeout(f.check, 300);
  });
  f.append(note);
  return f;
}

// Optional fapiao details (CN): sent only when something was filled in.
function fapiaoFieldset() {
  const fields = fapiaoFields(state.fp, 'w-fp');
  const set = h('fieldset', { id: 'w-fapiao' }, h('legend', null, t('wizard.fapiao')), h('p', { class: 'hint' }, t('wizard.fapiaoHint')), fields.nodes);
  const keep = () => { state.fp = fields.read(); state.fpFilled = fields.filled(); };
  set.addEventListener('input', keep);
  set.addEventListener('change', keep);
  return set;
}

// Required fields, checked before Next (the server checks everything again on submit).
// Everything the country rules say (required parts, postal code and phone formats) is checked
// here, on the step that holds the fields, not after Submit.
function missingFields(form) {
  const errs = checkFields(state.f, ACCOUNT_FIELDS.map(([n, p, l, , r]) => [n, p, l, r]), state.rules, ADDR);
  if (!state.f.domain) errs['companyProfile.domain'] = t('wizard.required');
  else if (!/^[a-z0-9]{1,27}$/i.test(state.f.domain)) errs['companyProfile.domain'] = t('wizard.domainInvalid');
  return showFieldErrors(form, errs).length + Object.keys(errs).length;
}

async function subscriptionsStep(main, ctx, box) {
  const offers = await offersFor(state.f.country);
  const names = new Map(offers.map((o) => [o.id, o.name]));
  const rows = offers.map((o) => {
    const id = `o-${o.id}`;
    const on = o.id in state.lines;
    const check = h('input', { type: 'checkbox', id, checked: on });
    const qty = h('input', { type: 'number', class: 'qty', id: `${id}-q`, min: o.minimumQuantity, max: o.maximumQuantity,
      value: on ? state.lines[o.id] : o.minimumQuantity, disabled: !on, 'aria-label': t('subs.quantityOf', { name: o.name }) });
    const err = h('p', { class: 'field-error', id: `${id}-q-err`, hidden: true });
    qty.setAttribute('aria-describedby', `${id}-q-err ${id}-bounds`);
    check.addEventListener('change', () => {
      qty.disabled = !check.checked;
      if (check.checked) state.lines[o.id] = Number(qty.value);
      else delete state.lines[o.id];
    });
    qty.addEventListener('input', () => { state.lines[o.id] = Number(qty.value); });
    qty.dataset.offer = o.id;
    return h('tr', null,
      h('td', null, check),
      h('td', null, h('label', { for: id }, o.name), h('div', { class: 'muted' }, o.description),
        o.isAddOn ? h('div', { class: 'muted' }, t('wizard.addOnOf', { offers: o.prerequisiteOffers.map((id) => names.get(id) || id).join(t('common.listSep')) })) : null),
      h('td', null, qty, h('div', { class: 'muted', id: `${id}-bounds` }, t('wizard.bounds', { min: fmtNum(o.minimumQuantity), max: fmtNum(o.maximumQuantity) })), err));
  });
  clear(box, h('p', null, t('wizard.subsIntro')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, t('wizard.stepSubscriptions')),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('wizard.choose'))),
        h('th', { scope: 'col' }, t('subs.offer')), h('th', { scope: 'col' }, t('subs.quantity')))),
      h('tbody', null, rows))));
}

// Quantities outside the catalog's bounds, shown next to their inputs; the number of them.
function badQuantities(box, offers) {
  let bad = 0;
  for (const o of offers) {
    const q = box.querySelector(`#o-${CSS.escape(o.id)}-q`);
    if (!q) continue;
    const wrong = o.id in state.lines && !(Number.isInteger(state.lines[o.id]) && state.lines[o.id] >= o.minimumQuantity && state.lines[o.id] <= o.maximumQuantity);
    setFieldError(q, wrong ? t('wizard.outOfBounds', { min: fmtNum(o.minimumQuantity), max: fmtNum(o.maximumQuantity) }) : '');
    if (wrong && !bad) q.focus();
    bad += wrong ? 1 : 0;
  }
  return bad;
}

function body() {
  const f = state.f;
  const address = { firstName: f.firstName, lastName: f.lastName, addressLine1: f.addressLine1, city: f.city, state: f.state || undefined,
    postalCode: f.postalCode || undefined, country: f.country, phoneNumber: f.phoneNumber || undefined, addressLine2: f.addressLine2 || undefined };
  const lineItems = Object.entries(state.lines).map(([offerId, quantity]) => ({ offerId, quantity }));
  return {
    companyProfile: { domain: f.domain.toLowerCase(), organizationRegistrationNumber: (f.regnum || '').trim() || undefined },
    billingProfile: { email: f.email, culture: f.culture, language: f.culture.split('-')[0], companyName: f.companyName, defaultAddress: address,
      fapiao: f.country === 'CN' && state.fpFilled ? state.fp : undefined },
    lineItems: lineItems.length ? lineItems : undefined,
    associatedPartnerId: f.reseller || undefined,
    confirmDuplicates: state.dups && state.dups.confirmed ? true : undefined,
  };
}

// ---- possible duplicates (issue 18): the server's 409 PossibleDuplicate names the partner's
// customers with the same normalised company name; the review step lists them with links and
// Submit needs the user's confirmation before it creates one more.
// On the review step, before Submit: the server's validateOnly check of this name and USCC
// (it writes nothing); asked again only when either changed.
async function checkDuplicates() {
  const key = `${state.f.companyName || ''}|${state.f.regnum || ''}`;
  if (state.dupKey === key) return;
  state.dupKey = key;
  state.dups = null;
  try {
    await api('POST', '/v1/customers?validateOnly=true', body());
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && e.body.errorName === 'PossibleDuplicate') {
      state.dups = await loadDuplicates(e.body.data || []);
    } // any other answer is Submit's to show
  }
}

async function loadDuplicates(ids) {
  const rows = await Promise.all(ids.map((id) => api('GET', `/v1/customers/${encodeURIComponent(id)}`)
    .then((r) => r.data, () => ({ id, companyProfile: { companyName: id, domain: '' } }))));
  return { rows, confirmed: false };
}

function duplicatesSection() {
  const d = state.dups;
  const box = h('input', { type: 'checkbox', id: 'w-confirm-dups', checked: d.confirmed });
  box.addEventListener('change', () => { d.confirmed = box.checked; });
  return h('section', { class: 'review duplicates', id: 'w-duplicates' },
    h('h2', null, t('wizard.dupTitle')),
    h('p', { class: 'warning' }, t('wizard.dupText', { n: fmtNum(d.rows.length) })),
    h('ul', null, d.rows.map((c) => h('li', null,
      h('a', { href: `#/customers/${encodeURIComponent(c.id)}`, target: '_blank', rel: 'noopener' }, bdi(c.companyProfile.companyName)),
      c.companyProfile.domain ? [' (', bdi(c.companyProfile.domain), ')'] : null))),
    h('label', { class: 'check' }, box, ' ', t('wizard.dupConfirm')));
}

function reviewList(ctx, offers) {
  const f = state.f;
  // values are user text (isolated here) or nodes made by bdiJoin
  const row = (k, v) => [h('dt', null, t(k)), h('dd', null, !v ? '—' : typeof v === 'string' ? bdi(v) : v)];
  const update = (step, what) => h('button', { type: 'button', class: 'link', 'data-update': step,
    'aria-label': t('wizard.updateWhat', { what: t(what) }), onclick: () => { state.step = step; render(document.getElementById('main'), ctx); } }, t('wizard.update'));
  const byId = new Map(offers.map((o) => [o.id, o]));
  const lines = Object.entries(state.lines);
  return [
    h('section', { class: 'review' }, h('div', { class: 'section-head' }, h('h2', null, t('wizard.stepAccount')), update(0, 'wizard.stepAccount')),
      h('dl', null,
        row('wizard.companyName', f.companyName),
        row('wizard.domain', `${f.domain.toLowerCase()}.${ctx.session.domainSuffix}`),
        f.regnum ? row(f.country === 'CN' ? 'wizard.uscc' : 'wizard.regnum', f.regnum) : null,
        f.reseller ? row('reseller.field', f.resellerName) : null,
        row('wizard.contact', [tNodes('common.personName', { first: f.firstName || '', last: f.lastName || '' }), ' <', bdi(f.email), '>', f.phoneNumber ? [', ', bdi(f.phoneNumber)] : null]),
        row('wizard.address', bdiJoin([f.addressLine1, f.addressLine2, f.city, f.state && stateName(f.country, f.state), f.postalCode, countryName(f.country)], ', ')),
        row('wizard.language', t(`lang.${f.culture}`) !== `lang.${f.culture}` ? t(`lang.${f.culture}`) : f.culture),
        f.country === 'CN' && state.fpFilled ? fapiaoRows(state.fp).filter(([, v]) => v).flatMap(([k, v]) => row(k, v)) : null)),
    h('section', { class: 'review' }, h('div', { class: 'section-head' }, h('h2', null, t('wizard.stepSubscriptions')), update(1, 'wizard.stepSubscriptions')),
      lines.length ? h('ul', null, lines.map(([id, q]) => h('li', null, t('wizard.line', { name: byId.get(id) ? byId.get(id).name : id, n: fmtNum(q) }))))
        : h('p', { class: 'muted' }, t('wizard.noSubs'))),
    state.dups ? duplicatesSection() : null,
  ];
}

// Which step holds the control for an error's field path.
function stepOf(path) {
  return path.startsWith('lineItems') ? 1 : 0;
}

// The line items' errors by offer, each offer id in them said by the offer's name.
function lineErrors(errors, offers) {
  const lines = Object.keys(state.lines);
  const named = (msg) => offers.reduce((m, o) => m.split(o.id).join(o.name), humanize(msg, null));
  const out = {};
  for (const [path, msg] of Object.entries(errors)) {
    const m = path.match(/^lineItems\[(\d+)\]/);
    if (m && lines[Number(m[1])]) out[lines[Number(m[1])]] = named(humanize(msg, path, t('subs.quantity')));
  }
  return out;
}

async function submit(main, ctx, button, status) {
  busy(button, true);
  showStatus(status, t('wizard.submitting'), 'info');
  try {
    const r = await api('POST', '/v1/customers', body(), { headers: { 'MS-RequestId': state.requestId } });
    const created = r.data;
    reset();
    done(main, ctx, created);
  } catch (e) {
    busy(button, false);
    if (e instanceof ApiError && e.status === 409 && e.body.errorName === 'PossibleDuplicate') {
      state.dups = await loadDuplicates(e.body.data || []);
      await render(main, ctx);
      document.getElementById('w-duplicates').querySelector('h2').setAttribute('tabindex', '-1');
      document.getElementById('w-duplicates').querySelector('h2').focus();
      return undefined;
    }
    if (!(e instanceof ApiError) || !Object.keys(e.fields()).length) return showStatus(status, errorText(e));
    state.errors = e.fields();
    state.step = Math.min(...Object.keys(state.errors).map(stepOf));
    await render(main, ctx);
  }
}

function done(main, ctx, c) {
  const cred = c.userCredentials || {};
  const pw = h('input', { type: 'text', id: 'new-password', readonly: true, value: cred.password || '', class: 'mono' });
  const user = h('input', { type: 'text', id: 'new-user', readonly: true, value: cred.userName || '', class: 'mono' });
  const copied = h('span', { class: 'muted', role: 'status' });
  const copy = (value) => async () => { copied.textContent = (await copyText(value)) ? t('common.copied') : t('common.copyFailed'); };
  clear(main,
    h('h1', null, t('wizard.doneTitle')),
    h('p', { class: 'form-status ok', role: 'status' }, tNodes('wizard.doneText', { name: c.companyProfile.companyName, domain: c.companyProfile.domain })),
    h('section', { class: 'card' },
      h('h2', null, t('wizard.adminTitle')),
      h('p', { class: 'warning' }, t('wizard.adminOnce')),
      h('div', { class: 'field' }, h('label', { for: 'new-user' }, t('wizard.adminUser')), h('div', { class: 'copy-row' }, user,
        h('button', { type: 'button', onclick: copy(cred.userName), 'aria-label': t('common.copyWhat', { what: t('wizard.adminUser') }) }, t('common.copy')))),
      h('div', { class: 'field' }, h('label', { for: 'new-password' }, t('wizard.adminPassword')), h('div', { class: 'copy-row' }, pw,
        h('button', { type: 'button', id: 'copy-password', onclick: copy(cred.password), 'aria-label': t('common.copyWhat', { what: t('wizard.adminPassword') }) }, t('common.copy')))),
      copied,
      c.orders && c.orders.length ? h('p', null, t('wizard.doneSubs', { n: fmtNum(c.orders[0].lineItems.length) })) : null),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'done', onclick: () => ctx.go(`#/customers/${c.id}`) }, t('wizard.done'))));
  announce(t('wizard.doneTitle'));
  document.getElementById('done').focus();
}

export async function render(main, ctx) {
  if (state.owner && state.owner !== ctx.session.id) reset();
  state.owner = ctx.session.id;
  if (state.step === 2) await checkDuplicates();
  save();
  const box = h('div', { class: 'step-body' });
  const status = statusLine();
  const back = h('button', { type: 'button', id: 'wizard-back' }, t('wizard.back'));
  const next = h('button', { type: 'submit', class: 'primary', id: 'wizard-next' }, state.step === 2 ? t('wizard.submit') : t('wizard.next'));
  const cancel = h('button', { type: 'button', class: 'link', id: 'wizard-cancel' }, t('common.cancel'));
  const form = h('form', { class: 'wizard', novalidate: true }, stepper(), h('h2', null, t(STEPS[state.step])), box, status,
    h('div', { class: 'actions' }, state.step > 0 ? back : null, next, cancel));
  clear(main, h('h1', null, t('wizard.title')), form);
  if (state.step === 0) await accountStep(main, ctx, box);
  else if (state.step === 1) await subscriptionsStep(main, ctx, box);
  else clear(box, reviewList(ctx, await offersFor(state.f.country)));
  if (state.errors) {
    if (state.step === 1) {
      const byOffer = lineErrors(state.errors, await offersFor(state.f.country));
      for (const [offer, msg] of Object.entries(byOffer)) setFieldError(box.querySelector(`#o-${CSS.escape(offer)}-q`), msg);
      if (state.errors.lineItems) showStatus(status, humanize(state.errors.lineItems, 'lineItems'));
    } else {
      const rest = showFieldErrors(form, state.errors).filter((m) => m);
      if (rest.length && state.step === 0) showStatus(status, rest.join(' '));
    }
    state.errors = null;
  }
  back.addEventListener('click', () => { state.step -= 1; render(main, ctx); });
  cancel.addEventListener('click', () => { reset(); ctx.go('#/customers'); });
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (state.step === 0 && missingFields(form)) return showStatus(status, t('wizard.fixErrors'));
    if (state.step === 1 && badQuantities(box, await offersFor(state.f.country))) return showStatus(status, t('wizard.fixErrors'));
    if (state.step === 2 && state.dups && !state.dups.confirmed) return showStatus(status, t('wizard.dupMustConfirm'));
    if (state.step === 2) return submit(main, ctx, next, status);
    state.step += 1;
    await render(main, ctx);
    main.querySelector('h2').setAttribute('tabindex', '-1');
    main.querySelector('h2').focus();
  });
  const first = box.querySelector('input:not([type=checkbox]), select');
  if (state.step === 0 && first && !form.querySelector('[aria-invalid]')) first.focus();
}
