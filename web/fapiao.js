// fapiao.js - a CN customer's fapiao details (开票信息, billingProfile.fapiao): the controls,
// shared by the account page's card and the wizard's optional fieldset, reading them back,
// and showing them.  The server checks every field again and names the wrong one.
import { h } from './dom.js';
import { t } from './i18n.js';
import { input, labelled } from './form.js';

export const FP = 'billingProfile.fapiao.';
// [name, catalog key, input props]
const TEXT = [
  ['title', 'fapiao.title', {}],
  ['taxpayerId', 'fapiao.taxpayerId', { autocomplete: 'off', spellcheck: 'false' }],
  ['registeredAddress', 'fapiao.registeredAddress', {}],
  ['registeredPhone', 'fapiao.registeredPhone', { type: 'tel' }],
  ['bankName', 'fapiao.bankName', {}],
  ['bankAccount', 'fapiao.bankAccount', { inputmode: 'numeric', autocomplete: 'off' }],
  ['recipientName', 'fapiao.recipientName', {}],
  ['recipientMobile', 'fapiao.recipientMobile', { type: 'tel' }],
  ['recipientEmail', 'fapiao.recipientEmail', { type: 'email' }],
];
// what a special VAT invoice (专用发票) must carry
const SPECIAL = new Set(['registeredAddress', 'registeredPhone', 'bankName', 'bankAccount']);

// The controls for the fapiao details `f` (may be empty): { nodes, read, filled }.  read()
// is the fapiao object (blank fields left out, for the server's defaults); filled() tells
// whether the user gave anything at all.
export function fapiaoFields(f = {}, idPrefix = 'fp') {
  const type = h('select', { name: 'invoiceType', id: `${idPrefix}-invoiceType` },
    ['ordinary', 'special'].map((v) => h('option', { value: v }, t(`fapiao.${v}`))));
  type.value = f.invoiceType || 'ordinary';
  const digital = h('input', { type: 'checkbox', name: 'digital', id: `${idPrefix}-digital`, checked: !!f.digital });
  digital.dataset.field = `${FP}digital`;
  const controls = TEXT.map(([name, key, props]) => {
    const el = input(name, { ...props, id: `${idPrefix}-${name}` });
    el.value = f[name] || '';
    const hint = name === 'title' ? t('fapiao.titleHint') : name === 'taxpayerId' ? t('fapiao.taxpayerHint') : undefined;
    return [name, el, labelled(key, el, { name: FP + name, hint })];
  });
  const mark = () => {
    for (const [name, el] of controls) {
      if (!SPECIAL.has(name)) continue;
      const special = type.value === 'special';
      el.required = special;
      el.setAttribute('aria-required', special ? 'true' : 'false');
    }
  };
  type.addEventListener('change', mark);
  mark();
  const read = () => {
    const out = { invoiceType: type.value, digital: digital.checked };
    for (const [name, el] of controls) if (el.value.trim()) out[name] = el.value.trim();
    return out;
  };
  const filled = () => type.value !== 'ordinary' || digital.checked || controls.some(([, el]) => el.value.trim());
  const nodes = [
    labelled('fapiao.invoiceType', type, { name: `${FP}invoiceType` }),
    h('div', { class: 'field check' }, digital, ' ', h('label', { for: digital.id }, t('fapiao.digital'))),
    controls.map((c) => c[2]),
  ];
  return { nodes, read, filled };
}

// [catalog key, text] rows of the details, for a <dl>.
export function fapiaoRows(f) {
  return [
    ['fapiao.invoiceType', t(`fapiao.${f.invoiceType || 'ordinary'}`)],
    ['fapiao.digital', t(f.digital ? 'fapiao.yes' : 'fapiao.no')],
    ...TEXT.map(([name, key]) => [key, f[name]]),
  ];
}
