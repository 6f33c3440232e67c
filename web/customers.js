// customers.js - the customer list: paged, searched as you type by company name or domain
// (both at once, Chinese names too), each row opening its subscriptions for quantity changes
// and suspend / reactivate in place, and a CSV export of the current search.  A partner with
// indirect resellers also sees each customer's reseller and can list one reseller's customers
// (Partner Center's IndirectReseller filter, which does not combine with the search).
import { api, all, page, ApiError } from './api.js';
import { h, clear, announce, download, bdi, bdiJoin } from './dom.js';
import { t, tNodes, tText, fmtNum, fmtDate, language } from './i18n.js';
import { errorText } from './form.js';
import { offersFor } from './offers.js';
import { resellers, namesOf, resellerFilter } from './resellers.js';

const SIZE = 25;

function filterOf(field, q) {
  return encodeURIComponent(JSON.stringify({ Field: field, Value: q, Operator: 'substring' }));
}

// The streams a list reads: the whole list, one reseller's customers, or a name search and a
// domain search merged.
function streams(q, reseller) {
  if (reseller) return [`/v1/customers?size=${SIZE}&filter=${encodeURIComponent(JSON.stringify({ Field: 'IndirectReseller', Value: reseller, Operator: 'starts_with' }))}`];
  if (!q) return [`/v1/customers?size=${SIZE}`];
  return [`/v1/customers?size=${SIZE}&filter=${filterOf('CompanyName', q)}`,
    `/v1/customers?size=${SIZE}&filter=${filterOf('Domain', q)}`];
}

// One page of the merged streams: tokens[i] === null means stream i is finished.
async function fetchPage(paths, tokens) {
  const parts = await Promise.all(paths.map((p, i) =>
    (tokens && tokens[i] === null ? { items: [], next: null } : page(p, tokens ? tokens[i] : undefined))));
  const seen = new Set();
  const items = [];
  for (const part of parts) for (const c of part.items) if (!seen.has(c.id)) { seen.add(c.id); items.push(c); }
  const next = parts.map((p) => p.next);
  return { items, next, more: next.some((x) => x !== null) };
}

// OWASP's CSV injection rule, the same as partnerctl's (src/cli/csv.c): a cell a spreadsheet
// would take for a formula (= + - @ TAB or CR first, after any quotes of its own) is written
// quoted with a ' in front, which the spreadsheet shows as text and partnerctl's import takes
// off again; other cells are quoted only when they hold a quote, comma or line break.
export function csvCell(v) {
  const s = v == null ? '' : String(v);
  if (/^'*[=+\-@\t\r]/.test(s)) return `"'${s.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// names: reseller id -> name (namesOf), for the indirectReseller column.
export function toCsv(customers, names = new Map()) {
  const cols = ['id', 'companyName', 'domain', 'country', 'city', 'email', 'relationship', 'indirectReseller', 'associatedPartnerId'];
  const rows = customers.map((c) => {
    const b = c.billingProfile || {};
    const a = b.defaultAddress || {};
    const rid = c.associatedPartnerId || '';
    return [c.id, c.companyProfile.companyName, c.companyProfile.domain, a.country, a.city, b.email, c.relationshipToPartner,
      rid ? names.get(rid) || rid : '', rid];
  });
  return `\ufeff${[cols, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

async function exportCsv(q, reseller, names, button, status) {
  button.disabled = true;
  const paths = streams(q, reseller).map((p) => p.replace(`size=${SIZE}`, 'size=500'));
  const all = [];
  const seen = new Set();
  let tokens;
  try {
    do {
      const pg = await fetchPage(paths, tokens);
      for (const c of pg.items) if (!seen.has(c.id)) { seen.add(c.id); all.push(c); }
      status.textContent = t('customers.exporting', { n: fmtNum(all.length) });
      tokens = pg.more ? pg.next : null;
    } while (tokens);
    download(q || reseller ? 'customers-search.csv' : 'customers.csv', toCsv(all, names), 'text/csv;charset=utf-8');
    status.textContent = t('customers.exported', { n: fmtNum(all.length) });
  } catch (e) {
    status.textContent = errorText(e);
  } finally {
    button.disabled = false;
  }
}

function subscriptionRow(ctx, cid, s, offer, onChange) {
  const canEdit = ctx.can('orders.write') && s.status !== 'deleted';
  const qty = h('input', { type: 'number', class: 'qty', min: offer ? offer.minimumQuantity : 1, max: offer ? offer.maximumQuantity : null,
    value: s.quantity, 'aria-label': t('subs.quantityOf', { name: s.friendlyName }), disabled: !canEdit || s.status !== 'active' });
  const msg = h('span', { class: 'row-msg', role: 'status' });
  const save = h('button', { type: 'button', class: 'small', hidden: true }, t('subs.save'));
  qty.addEventListener('input', () => { save.hidden = Number(qty.value) === s.quantity; });
  async function patch(body, doneKey) {
    msg.textContent = t('subs.saving');
    try {
      await api('PATCH', `/v1/customers/${cid}/subscriptions/${s.id}`, body, { headers: { 'If-Match': s.attributes.etag } });
      announce(t(doneKey, { name: s.friendlyName }));
      onChange(tNodes(doneKey, { name: s.friendlyName }));
    } catch (e) {
      msg.textContent = e instanceof ApiError && e.status === 412 ? t('subs.stale') : errorText(e);
      msg.className = 'row-msg error';
    }
  }
  save.addEventListener('click', () => {
    const n = Number(qty.value);
    if (offer && !(qty.value !== '' && Number.isInteger(n) && n >= offer.minimumQuantity && n <= offer.maximumQuantity)) {
      msg.textContent = t('wizard.outOfBounds', { min: fmtNum(offer.minimumQuantity), max: fmtNum(offer.maximumQuantity) });
      msg.className = 'row-msg error';
      return qty.focus();
    }
    patch({ quantity: n }, 'subs.quantitySaved');
  });
  qty.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && !save.hidden) save.click(); });
  const toggle = s.status === 'active'
    ? h('button', { type: 'button', class: 'small', onclick: () => {
      // as Partner Center: the data of a suspended subscription is deleted 60 days later
      const until = fmtDate(new Date(Date.now() + 60 * 86400e3).toISOString());
      if (confirm(tText('subs.suspendConfirm', { name: s.friendlyName, date: until }))) patch({ status: 'suspended' }, 'subs.suspended');
    } }, t('subs.suspend'))
    : h('button', { type: 'button', class: 'small', onclick: () => patch({ status: 'active' }, 'subs.reactivated') }, t('subs.reactivate'));
  return h('tr', { 'data-sub': s.id },
    h('td', null, bdi(s.friendlyName), s.friendlyName !== s.offerName ? h('div', { class: 'muted' }, s.offerName) : null),
    h('td', null, canEdit ? [qty, ' ', save] : fmtNum(s.quantity)),
    h('td', null, h('span', { class: `badge ${s.status}` }, t(`subs.status.${s.status}`))),
    h('td', null, canEdit && s.status !== 'deleted' ? toggle : null, ' ', msg));
}

// The subscriptions of one customer, in place (also used by the account page).
export async function subscriptionsTable(ctx, customer, note) {
  const box = h('div', { class: 'subs' });
  const load = async (message) => {
    clear(box, h('p', { class: 'muted' }, t('common.loading')));
    try {
      const [items, offers] = await Promise.all([
        all(`/v1/customers/${customer.id}/subscriptions?size=500`),
        offersFor(customer.billingProfile.defaultAddress.country)]);
      const byId = new Map(offers.map((o) => [o.id, o]));
      clear(box,
        message ? h('p', { class: 'form-status ok', role: 'status' }, message) : null,
        items.length === 0 ? h('p', { class: 'muted' }, t('subs.none')) : h('div', { class: 'table-wrap' }, h('table', { class: 'inner' },
          h('caption', { class: 'sr-only' }, tNodes('subs.caption', { name: customer.companyProfile.companyName })),
          h('thead', null, h('tr', null, ['subs.offer', 'subs.quantity', 'subs.status', 'subs.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', null, items.map((s) => subscriptionRow(ctx, customer.id, s, byId.get(s.offerId), load))))));
    } catch (e) {
      clear(box, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
  };
  await load(note);
  return box;
}

function customerRows(ctx, c, names) {
  const detailId = `subs-${c.id}`;
  const name = c.companyProfile.companyName;
  const arrow = h('button', { type: 'button', class: 'expand', 'aria-expanded': 'false', 'aria-controls': detailId,
    'aria-label': t('customers.showSubs', { name }) });
  const detail = h('tr', { id: detailId, class: 'detail', hidden: true }, h('td', { colspan: names.size ? 6 : 5 }));
  arrow.addEventListener('click', async () => {
    const open = arrow.getAttribute('aria-expanded') !== 'true';
    arrow.setAttribute('aria-expanded', String(open));
    detail.hidden = !open;
    if (open) clear(detail.firstChild, await subscriptionsTable(ctx, c));
  });
  const a = c.billingProfile ? c.billingProfile.defaultAddress : {};
  return [h('tr', { 'data-customer': c.id },
    h('td', { class: 'narrow' }, arrow),
    h('td', null, h('a', { href: `#/customers/${c.id}` }, bdi(name))),
    h('td', null, bdi(c.companyProfile.domain)),
    h('td', null, bdiJoin([a.city, a.country], ', ')),
    h('td', null, t(`relationship.${c.relationshipToPartner}`)),
    names.size ? h('td', { class: 'reseller' }, c.associatedPartnerId ? bdi(names.get(c.associatedPartnerId) || c.associatedPartnerId) : '—') : null), detail];
}

// The list's place: search, page and order live in the URL (#/customers?q=..&page=2&sort=name),
// so a reload, a bookmark and back/forward find them again.  The continuation tokens of the
// pages already seen are kept per search, so going back to page 3 does not walk from page 1.
const TOKENS = new Map();
// (sign-out forgets them with the rest of the views' state)
export function reset() {
  TOKENS.clear();
}

function listHash(q, pageNo, sort, reseller) {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (reseller) p.set('reseller', reseller);
  if (pageNo > 1) p.set('page', String(pageNo));
  if (sort !== 'created') p.set('sort', sort);
  const s = p.toString();
  return s ? `#/customers?${s}` : '#/customers';
}

// What the list reads for a search and an order: newest first is the server's (sort=newest,
// the whole list only); as added is the server's default; a name sort orders the page shown,
// by company name in the UI's collation (pinyin for Chinese) - the API has no name sort.
function listPaths(q, sort, reseller) {
  return sort === 'newest' && !q && !reseller ? streams(q).map((p) => `${p}&sort=newest`) : streams(q, reseller);
}

function sorted(items, sort) {
  if (sort !== 'name') return items;
  const coll = new Intl.Collator(language() === 'zh-CN' ? 'zh-CN-u-co-pinyin' : language());
  return [...items].sort((a, b) => coll.compare(a.companyProfile.companyName, b.companyProfile.companyName));
}

// How many customers a search finds, over all its pages (the list shows one page at a time).
async function countAll(q, reseller) {
  const paths = streams(q, reseller).map((p) => p.replace(`size=${SIZE}`, 'size=500'));
  const seen = new Set();
  let tokens;
  do {
    const pg = await fetchPage(paths, tokens);
    for (const c of pg.items) seen.add(c.id);
    tokens = pg.more ? pg.next : null;
  } while (tokens);
  return seen.size;
}

// The tokens for page pageNo of the search q in an order: walks from the last page known.
async function tokensFor(q, sort, pageNo, reseller) {
  const key = `${sort === 'newest' && !q && !reseller ? 'n' : 'c'}|${reseller || ''}|${q}`;
  if (!TOKENS.has(key)) TOKENS.set(key, [undefined]);
  const known = TOKENS.get(key);
  while (known.length < pageNo) {
    const pg = await fetchPage(listPaths(q, sort, reseller), known[known.length - 1]);
    if (!pg.more) break;
    known.push(pg.next);
  }
  return { tokens: known[Math.min(pageNo, known.length) - 1], pageNo: Math.min(pageNo, known.length), known };
}

export async function render(main, ctx) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const search = h('input', { type: 'search', id: 'customer-search', value: params.get('q') || '', autocomplete: 'off',
    placeholder: t('customers.searchPlaceholder') });
  const sortSel = h('select', { id: 'customer-sort' }, ['created', 'newest', 'name'].map((k) => h('option', { value: k }, t(`customers.sort.${k}`))));
  sortSel.value = ['newest', 'name'].includes(params.get('sort')) ? params.get('sort') : 'created';
  // newest first is an order of the whole list; a search or a reseller's list keeps its own
  let reseller = '';
  const sortFits = () => { sortSel.querySelector('option[value=newest]').disabled = !!search.value.trim() || !!reseller; };
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const total = h('span', { id: 'customer-total' });
  const body = h('tbody');
  const prev = h('button', { type: 'button', disabled: true }, t('common.previous'));
  const next = h('button', { type: 'button', disabled: true }, t('common.next'));
  const pageNote = h('span', { class: 'muted', id: 'customer-page' });
  const exportBtn = h('button', { type: 'button', id: 'export' }, t('customers.export'));
  const exportStatus = h('span', { class: 'muted', role: 'status' });
  let pageNo = Math.max(1, Number.parseInt(params.get('page'), 10) || 1);
  let seq = 0;
  const list = await resellers();
  const names = namesOf(list);
  reseller = list.some((r) => r.id === params.get('reseller')) ? params.get('reseller') : '';
  sortFits();
  const byReseller = resellerFilter(list, reseller, (v) => {
    reseller = v;
    search.value = ''; // one filter at a time, as the API takes it
    pageNo = 1;
    sortFits();
    history.replaceState(null, '', listHash('', 1, sortSel.value, v));
    show();
  });

  async function show() {
    const mine = ++seq;
    const q = search.value.trim();
    status.textContent = t('common.loading');
    try {
      const at = await tokensFor(q, sortSel.value, pageNo, reseller);
      pageNo = at.pageNo;
      const pg = await fetchPage(listPaths(q, sortSel.value, reseller), at.tokens);
      if (mine !== seq) return;
      if (pg.more && at.known.length === pageNo) at.known.push(pg.next);
      clear(body, sorted(pg.items, sortSel.value).flatMap((c) => customerRows(ctx, c, names)));
      if (!pg.items.length) body.append(h('tr', null, h('td', { colspan: names.size ? 6 : 5, class: 'muted' }, q ? tNodes('customers.noMatch', { q }) : t('customers.empty'))));
      clear(status, q ? tNodes('customers.found', { n: fmtNum(pg.items.length), q }) : t('customers.shown', { n: fmtNum(pg.items.length) }), ' ', total);
      pageNote.textContent = t('customers.page', { n: fmtNum(pageNo) });
      prev.disabled = pageNo <= 1;
      next.disabled = !pg.more;
      total.textContent = '';
      if (q && (pg.more || pageNo > 1)) {
        const n = await countAll(q, reseller);
        if (mine === seq) total.textContent = ` · ${t('customers.total', { n: fmtNum(n) })}`;
      } else if (q) total.textContent = ` · ${t('customers.total', { n: fmtNum(pg.items.length) })}`;
    } catch (e) {
      if (mine === seq) status.textContent = errorText(e);
    }
  }

  // Search as you type, but not while an input method is composing: half-typed pinyin
  // ("hang zhou" before 杭州 is chosen) is not a search.
  let timer;
  let composing = false;
  const typed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      pageNo = 1;
      if (reseller && byReseller) byReseller[1].value = reseller = ''; // the search takes over
      sortFits();
      history.replaceState(null, '', listHash(search.value.trim(), 1, sortSel.value, reseller));
      show();
    }, 200);
  };
  search.addEventListener('compositionstart', () => { composing = true; clearTimeout(timer); });
  search.addEventListener('compositionend', () => { composing = false; typed(); });
  search.addEventListener('input', (ev) => { if (!composing && !ev.isComposing) typed(); });
  sortSel.addEventListener('change', () => { ctx.go(listHash(search.value.trim(), pageNo, sortSel.value, reseller)); });
  next.addEventListener('click', () => ctx.go(listHash(search.value.trim(), pageNo + 1, sortSel.value, reseller)));
  prev.addEventListener('click', () => ctx.go(listHash(search.value.trim(), pageNo - 1, sortSel.value, reseller)));
  exportBtn.addEventListener('click', () => exportCsv(search.value.trim(), reseller, names, exportBtn, exportStatus));

  clear(main,
    h('div', { class: 'page-head' }, h('h1', null, t('customers.title')),
      ctx.can('customers.create') ? h('a', { class: 'button primary', href: '#/customers/new', id: 'add-customer' }, t('nav.addCustomer')) : null),
    h('div', { class: 'toolbar' },
      h('label', { for: 'customer-search' }, t('customers.search')), search, byReseller,
      h('label', { for: 'customer-sort' }, t('customers.sortBy')), sortSel, exportBtn, exportStatus),
    status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list cards' },
      h('caption', { class: 'sr-only' }, t('customers.title')),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('customers.subsColumn'))),
        ['customers.company', 'customers.domain', 'customers.location', 'customers.relationship'].map((k) => h('th', { scope: 'col' }, t(k))),
        names.size ? h('th', { scope: 'col' }, t('reseller.field')) : null)),
      body)),
    h('div', { class: 'pager' }, pageNote, prev, next));
  await show();
  if (!params.get('page')) search.focus();
}
