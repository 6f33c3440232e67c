// activity.js - the activity log: who did what and when, by date range and one filter
// (operation and resource chosen from localized lists; user, company, customer id typed),
// newest first, each record's details (before/after, request id, source) a click away, the
// customer a link, and a CSV export of what the filter finds.
import { all } from './api.js';
import { h, clear, bdi, bdiJoin, download, nextId } from './dom.js';
import { t, fmtDate, fmtNum } from './i18n.js';
import { labelled, errorText } from './form.js';
import { csvCell } from './customers.js';

const FIELDS = ['OperationType', 'ResourceType', 'UserPrincipalName', 'CompanyName', 'CustomerId'];
// what partnerd records (docs/api-notes.md); each is said by its catalog label
const OPS = ['add_customer', 'update_customer_billing_profile', 'delete_customer', 'create_order', 'update_subscription',
  'create_customer_user', 'update_customer_user', 'delete_customer_user', 'reset_customer_user_password',
  'remove_partner_customer_relationship', 'sign_in', 'sign_out', 'create_partner_user', 'update_partner_user',
  'delete_partner_user', 'reset_partner_user_password', 'change_own_password', 'create_application',
  'rotate_application_secret', 'revoke_application', 'create_relationship_request', 'revoke_relationship_request',
  'accept_reseller_relationship', 'add_indirect_reseller', 'end_indirect_reseller_relationship',
  'create_webhook_registration', 'update_webhook_registration', 'delete_webhook_registration',
  'send_webhook_test_event', 'redeliver_webhook_event'];
const RESOURCES = ['customer', 'partner_user', 'application', 'order', 'subscription', 'customer_user', 'relationship_request',
  'indirect_reseller', 'webhook_registration'];
const SHOWN = 50;

function label(prefix, value) {
  const k = `${prefix}.${value}`;
  const s = t(k);
  return s === k ? value : s;
}

const dataOf = (rec) => Object.fromEntries((rec.customizedData || []).map((d) => [d.key, d.value]));

function summary(rec) {
  const data = dataOf(rec);
  const customer = rec.customerId && rec.customerName
    ? h('a', { href: `#/customers/${rec.customerId}` }, bdi(rec.customerName)) : bdi(rec.customerName);
  const rest = bdiJoin([data.ResourceName, data.SourceAddress], ' · ');
  return [customer, customer && rest ? ' · ' : null, rest];
}

// The record's details row: everything the record holds, labelled.
function detailsRow(rec, id) {
  const data = dataOf(rec);
  const rows = [['activity.d.old', rec.resourceOldValue], ['activity.d.new', rec.resourceNewValue],
    ['activity.d.request', data.RequestId], ['activity.d.correlation', rec.originalCorrelationId],
    ['activity.d.resourceId', data.ResourceId], ['activity.d.source', data.SourceAddress],
    ['activity.d.customerId', rec.customerId], ['activity.d.app', data.ApplicationName || rec.applicationId]];
  return h('tr', { class: 'detail', id, hidden: true }, h('td', { colspan: 7 }, h('dl', { class: 'audit-detail' },
    rows.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', null, t(k)), h('dd', { class: /Value$/.test(k) ? 'mono' : null }, bdi(v))]))));
}

function recordRows(rec) {
  const id = nextId('audit');
  const toggle = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': id }, t('activity.details'));
  const detail = detailsRow(rec, id);
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    detail.hidden = !open;
  });
  return [h('tr', { 'data-record': rec.id }, h('td', { 'data-label': t('activity.when') }, fmtDate(rec.operationDate, true)),
    h('td', { 'data-label': t('activity.operation') }, label('op', rec.operationType)),
    h('td', { 'data-label': t('activity.resource') }, label('resource', rec.resourceType)),
    h('td', null, h('span', { class: `badge ${rec.operationStatus}` }, label('opStatus', rec.operationStatus))),
    h('td', { 'data-label': t('activity.user') }, bdi(rec.userPrincipalName || rec.applicationId)),
    h('td', null, summary(rec)), h('td', null, toggle)), detail];
}

export function toCsv(records) {
  const cols = ['operationDate', 'operationType', 'resourceType', 'operationStatus', 'userPrincipalName', 'customerId', 'customerName',
    'requestId', 'sourceAddress', 'resourceOldValue', 'resourceNewValue'];
  const rows = records.map((r) => {
    const d = dataOf(r);
    return [r.operationDate, r.operationType, r.resourceType, r.operationStatus, r.userPrincipalName || r.applicationId, r.customerId,
      r.customerName, d.RequestId, d.SourceAddress, r.resourceOldValue, r.resourceNewValue];
  });
  return `\ufeff${[cols, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function valueControl(field, box, keep) {
  const opts = field === 'OperationType' ? OPS.map((o) => [o, label('op', o)]).sort((a, b) => a[1].localeCompare(b[1]))
    : field === 'ResourceType' ? RESOURCES.map((o) => [o, label('resource', o)]) : null;
  const el = opts
    ? h('select', { id: 'a-value' }, h('option', { value: '' }, t('activity.any')), opts.map(([v, text]) => h('option', { value: v }, text)))
    : h('input', { type: 'search', id: 'a-value' });
  el.value = opts && !opts.some(([v]) => v === keep) ? '' : keep || '';
  clear(box, labelled('activity.value', el));
  return el;
}

export async function render(main) {
  const day = (d) => d.toISOString().slice(0, 10);
  const start = h('input', { type: 'date', id: 'a-start', value: day(new Date(Date.now() - 30 * 86400e3)) });
  const end = h('input', { type: 'date', id: 'a-end', value: day(new Date()) });
  const field = h('select', { id: 'a-field' }, FIELDS.map((f) => h('option', { value: f }, t(`activity.field.${f}`))));
  const valueBox = h('div', { class: 'value-box' });
  let value = valueControl(field.value, valueBox);
  field.addEventListener('change', () => { value = valueControl(field.value, valueBox); });
  const status = h('p', { class: 'muted', role: 'status' });
  const body = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, t('common.more'));
  const exportBtn = h('button', { type: 'button', id: 'activity-export' }, t('customers.export'));
  let records = [];
  let shown = 0;
  const query = () => {
    const p = new URLSearchParams({ size: '500', startDate: start.value, endDate: end.value });
    if (value.value.trim()) p.set('filter', JSON.stringify({ Field: field.value, Value: value.value.trim(), Operator: 'equals' }));
    return `/v1/auditrecords?${p}`;
  };
  const showMore = () => {
    const next = records.slice(shown, shown + SHOWN);
    body.append(...next.flatMap(recordRows));
    shown += next.length;
    more.hidden = shown >= records.length;
    status.textContent = t('activity.count', { shown: fmtNum(shown), n: fmtNum(records.length) });
  };
  // The API pages from the oldest; the period's records are read whole (every page) and
  // shown newest first, SHOWN at a time.
  const load = async () => {
    status.textContent = t('common.loading');
    try {
      records = (await all(query())).reverse();
      shown = 0;
      clear(body, records.length ? null : h('tr', null, h('td', { colspan: 7, class: 'muted' }, t('activity.none'))));
      if (records.length) showMore();
      else status.textContent = '';
    } catch (e) {
      status.textContent = errorText(e);
    }
  };
  const form = h('form', { class: 'toolbar filters', role: 'search' },
    labelled('activity.from', start), labelled('activity.to', end), labelled('activity.filterBy', field), valueBox,
    h('button', { type: 'submit', class: 'primary' }, t('activity.apply')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  more.addEventListener('click', showMore);
  exportBtn.addEventListener('click', () => download('activity.csv', toCsv(records), 'text/csv;charset=utf-8'));
  clear(main, h('div', { class: 'page-head' }, h('h1', null, t('activity.title')), exportBtn), form, status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' }, h('caption', { class: 'sr-only' }, t('activity.title')),
      h('thead', null, h('tr', null, ['activity.when', 'activity.operation', 'activity.resource', 'activity.status', 'activity.user', 'activity.detail', 'activity.more']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      body)), h('div', { class: 'pager' }, more));
  await load();
}
