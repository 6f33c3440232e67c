// form.js - small form helpers shared by the views: inputs, server errors shown next to the
// field they name, and a status line for the whole form.
import { h, field, setFieldError } from './dom.js';
import { t } from './i18n.js';
import { ApiError } from './api.js';

export function input(name, props = {}) {
  return h('input', { name, type: 'text', ...props });
}

// Builds a labelled field for `control`; `key` is the catalog key of its label.
export function labelled(key, control, opts = {}) {
  return field(t(key), control, { ...opts, name: opts.name || control.name });
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
      setFieldError(c, msg);
      first = first || c;
    } else rest.push(msg);
  }
  if (first) first.focus();
  return rest;
}

export function busy(button, on) {
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}

export function errorText(e) {
  if (e && e.status === 0) return t('error.network');
  return (e && e.message) || t('error.title');
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
