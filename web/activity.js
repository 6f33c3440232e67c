// activity.js - the activity log: who did what and when, by date range and one filter
// (operation, resource, user, company), newest first, paged.
import { page } from './api.js';
import { h, clear, bdi, bdiJoin } from './dom.js';
import { t, fmtDate } from './i18n.js';
import { labelled, errorText } from './form.js';

const FIELDS = ['OperationType', 'ResourceType', 'UserPrincipalName', 'CompanyName', 'CustomerId'];

function label(prefix, value) {
  const k = `${prefix}.${value}`;
  const s = t(k);
  return s === k ? value : s;
}

function detail(rec) {
  const data = Object.fromEntries((rec.customizedData || []).map((d) => [d.key, d.value]));
  return bdiJoin([rec.customerName, data.ResourceName, data.SourceAddress], ' · ');
}

export async function render(main) {
  const day = (d) => d.toISOString().slice(0, 10);
  const start = h('input', { type: 'date', id: 'a-start', value: day(new Date(Date.now() - 30 * 86400e3)) });
  const end = h('input', { type: 'date', id: 'a-end', value: day(new Date()) });
  const field = h('select', { id: 'a-field' }, FIELDS.map((f) => h('option', { value: f }, t(`activity.field.${f}`))));
  const value = h('input', { type: 'search', id: 'a-value' });
  const status = h('p', { class: 'muted', role: 'status' });
  const body = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, t('common.more'));
  let token = null;
  const query = () => {
    const p = new URLSearchParams({ size: '50', startDate: start.value, endDate: end.value });
    if (value.value.trim()) p.set('filter', JSON.stringify({ Field: field.value, Value: value.value.trim(), Operator: 'equals' }));
    return `/v1/auditrecords?${p}`;
  };
  const load = async (append) => {
    status.textContent = t('common.loading');
    try {
      const pg = await page(query(), append ? token : undefined);
      token = pg.next;
      more.hidden = !token;
      const rows = pg.items.map((r) => h('tr', null, h('td', null, fmtDate(r.operationDate, true)),
        h('td', null, label('op', r.operationType)), h('td', null, label('resource', r.resourceType)),
        h('td', null, h('span', { class: `badge ${r.operationStatus}` }, label('opStatus', r.operationStatus))),
        h('td', null, bdi(r.userPrincipalName)), h('td', null, detail(r))));
      if (append) body.append(...rows);
      else clear(body, rows.length ? rows : h('tr', null, h('td', { colspan: 6, class: 'muted' }, t('activity.none'))));
      status.textContent = '';
    } catch (e) {
      status.textContent = errorText(e);
    }
  };
  const form = h('form', { class: 'toolbar filters', role: 'search' },
    labelled('activity.from', start), labelled('activity.to', end), labelled('activity.filterBy', field), labelled('activity.value', value),
    h('button', { type: 'submit', class: 'primary' }, t('activity.apply')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  more.addEventListener('click', () => load(true));
  clear(main, h('h1', null, t('activity.title')), form, status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' }, h('caption', { class: 'sr-only' }, t('activity.title')),
      h('thead', null, h('tr', null, ['activity.when', 'activity.operation', 'activity.resource', 'activity.status', 'activity.user', 'activity.detail'].map((k) => h('th', { scope: 'col' }, t(k))))),
      body)), h('div', { class: 'pager' }, more));
  await load(false);
}
