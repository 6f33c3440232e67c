// resellers.js - the partner's indirect resellers (two-tier CSP) where the portal needs them:
// the wizard's optional "indirect reseller" choice (active ones only, shown only when the
// partner has any), the customer list's reseller column and filter, and the CSV export's
// reseller name.  All come from GET /v1/relationships, every page of it.
import { all } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { labelled } from './form.js';

const LIST = '/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf&size=500';

// Every reseller of the partner, active and ended ([] when the caller may not read them).
export async function resellers() {
  try {
    return await all(LIST);
  } catch {
    return [];
  }
}

// id -> display name ("Name (ended)" for an ended relationship).
export function namesOf(list) {
  return new Map(list.map((r) => [r.id, r.state === 'Active' ? r.name : t('reseller.ended', { name: r.name })]));
}

// The wizard's select: '' is a direct customer; null when the partner has no active reseller.
export async function resellerField(f) {
  const active = (await resellers()).filter((r) => r.state === 'Active');
  if (!active.length) {
    f.reseller = '';
    return null;
  }
  if (f.reseller && !active.some((r) => r.id === f.reseller)) f.reseller = '';
  const el = h('select', { name: 'reseller', id: 'w-reseller' },
    h('option', { value: '' }, t('reseller.none')),
    active.map((r) => h('option', { value: r.id }, `${r.name} (MPN ${r.mpnId})`)));
  el.value = f.reseller || '';
  el.addEventListener('change', () => {
    f.reseller = el.value;
    f.resellerName = el.value ? el.selectedOptions[0].textContent : '';
  });
  return labelled('reseller.field', el, { name: 'associatedPartnerId', hint: t('reseller.hint') });
}

// Active resellers before ended ones, each group in the order the list API gives (creation).
function activeFirst(list) {
  return [...list.filter((r) => r.state === 'Active'), ...list.filter((r) => r.state !== 'Active')];
}

// The customer list's filter: '' is every customer; null when the partner has no reseller.
export function resellerFilter(list, value, onChange) {
  if (!list.length) return null;
  const el = h('select', { id: 'reseller-filter' },
    h('option', { value: '' }, t('reseller.all')),
    activeFirst(list).map((r) => h('option', { value: r.id }, namesOf([r]).get(r.id))));
  el.value = value || '';
  el.addEventListener('change', () => onChange(el.value));
  return [h('label', { for: 'reseller-filter' }, t('reseller.field')), el];
}
