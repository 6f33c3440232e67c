// form.js - small form helpers shared by the views: inputs, server errors shown next to the
// field they name, and a status line for the whole form.
import { h, field, setFieldError } from './dom.js';
import { t } from './i18n.js';
import { ApiError } from './api.js';

export function input(name, props = {}) {
  return h('input', { name, type: 'text', ...props });
}

// Field path (as the server names it) -> catalog key of its label, filled by labelled(), so
// that a server message can name the field as the page does.
const LABELS = new Map();

// Builds a labelled field for `control`; `key` is the catalog key of its label.
export function labelled(key, control, opts = {}) {
  const name = opts.name || control.name;
  if (name) LABELS.set(name, key);
  return field(t(key), control, { ...opts, name });
}

// A server message in the words of the page: the API path of a field ("billingProfile.
// defaultAddress.postalCode", "lineItems[0].quantity") becomes its label in the user's language;
// a path the page has no label for is said by its last part.
export function humanize(msg, path, label) {
  let s = String(msg || '');
  const own = label || (path && LABELS.has(path) ? t(LABELS.get(path)) : '');
  if (path && own) s = s.replace(path, own);
  // an API path is camelCase or indexed (billingProfile.email, lineItems[0].quantity); a
  // domain or an e-mail address in the message (all lower case) stays as it is
  return s.replace(/(?<![@\w.-])[a-z]\w*(?:\[\d+\])?(?:\.\w+(?:\[\d+\])?)+/g, (m) => {
    if (LABELS.has(m)) return t(LABELS.get(m));
    if (!/[A-Z]|\[\d+\]/.test(m)) return m;
    const last = m.split('.').pop().replace(/\[\d+\]$/, '');
    return t(`field.${last}`) !== `field.${last}` ? t(`field.${last}`) : last;
  });
}

function labelOf(control) {
  const l = control.labels && control.labels[0];
  const legend = !l && control.querySelector && control.querySelector('legend');
  const el = l || legend;
  if (!el) return control.getAttribute('aria-label') || '';
  return [...el.childNodes].filter((n) => !(n.classList && n.classList.contains('req'))).map((n) => n.textContent).join('').trim();
}

export function statusLine() {
  return h('p', { class: 'form-status', role: 'alert', hidden: true });
}

export function showStatus(el, text, kind = 'error') {
  el.textContent = text || '';
  el.hidden = !text;
  el.className = `form-status ${kind}`;
}

// Clears old errors, then puts each server error next to the control whose data-field is the
// error's field path (e.g. billingProfile.defaultAddress.city); returns errors not placed.
export function showFieldErrors(form, errors) {
  for (const c of form.querySelectorAll('[data-field]')) setFieldError(c, '');
  const rest = [];
  let first = null;
  for (const [path, msg] of Object.entries(errors || {})) {
    const c = [...form.querySelectorAll('[data-field]')].find((x) => x.dataset.field === path);
    if (c) {
      setFieldError(c, humanize(msg, path, labelOf(c)));
      first = first || c;
    } else rest.push(humanize(msg, path));
  }
  if (first) first.focus();
  return rest;
}

export function busy(button, on) {
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}

// What a failed call says to a person: no "Failed to fetch" or "HTTP 500", no API paths.
export function errorText(e) {
  if (!(e instanceof ApiError) || e.status === 0) return t('error.network');
  if (e.status >= 500) return t('error.server');
  const f = e.fields();
  const [path] = Object.keys(f);
  return humanize(e.message || t('error.title'), path);
}

// Checks values against the rules the page loaded, before anything is sent; returns
// {path: message} in the user's language.  `fields` is [[name, path, labelKey, required]];
// rules is the country's /v1/countryvalidationrules answer (or null).
export function checkFields(values, fields, rules, prefix) {
  const errs = {};
  const val = (n) => String(values[n] || '').trim();
  for (const [name, path, , required] of fields) if (required && !val(name)) errs[path] = t('wizard.required');
  const em = val('email');
  const emailPath = (fields.find((x) => x[0] === 'email') || [])[1];
  if (em && emailPath && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(em)) errs[emailPath] = t('valid.email');
  if (!rules) return errs;
  const req = [['postalCode', rules.isPostalCodeRequired], ['city', rules.isCityRequired], ['state', rules.isStateRequired]];
  for (const [n, on] of req) if (on && !val(n)) errs[`${prefix}${n}`] = t('wizard.required');
  const pc = val('postalCode');
  if (pc && rules.postalCodeRegex && !new RegExp(rules.postalCodeRegex).test(pc)) {
    const digits = /^\^\\d\{(\d+)\}\$$/.exec(rules.postalCodeRegex);
    errs[`${prefix}postalCode`] = digits ? t('valid.postalDigits', { n: digits[1] }) : t('valid.postal');
  }
  const ph = val('phoneNumber');
  if (ph && rules.phoneNumberRegex && !new RegExp(rules.phoneNumberRegex).test(ph)) errs[`${prefix}phoneNumber`] = t('valid.phone');
  return errs;
}

// Errors found before sending, shaped as the server's (for showError / submitWith).
export function localError(errs) {
  return new ApiError(400, { description: t('wizard.fixErrors'), details: Object.entries(errs).map(([field, description]) => ({ field, description })) });
}

// A failed call: its field errors next to their fields, anything else in the status line.
export function showError(form, status, e) {
  const fields = e instanceof ApiError ? e.fields() : {};
  const rest = showFieldErrors(form, fields);
  showStatus(status, Object.keys(fields).length ? rest.join(' ') : errorText(e));
}

// The submit of a form that makes one call: the button is busy meanwhile, old errors go
// when it succeeds, new ones appear where they belong.
export function submitWith(form, button, status, action) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(button, true);
    try {
      await action();
      showFieldErrors(form, {});
      showStatus(status, '');
    } catch (e) {
      showError(form, status, e);
    } finally {
      busy(button, false);
    }
  });
}
