// dom.js - building the page without innerHTML: every text goes in as a text node, so data
// from the server (company names, e-mails) can never become markup, and user text is
// isolated in <bdi> (bdi, bdiJoin) so that it cannot reorder what surrounds it.
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'value') value = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'checked') el.checked = el.defaultChecked = !!v;
    else if (k === 'disabled' || k === 'selected') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid == null || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  if (value !== undefined) el.value = value;
  return el;
}

// User text (names, addresses, anything a person typed) goes in a <bdi> of its own: it takes
// its own direction, and a bidirectional control in it, had one been stored, cannot reorder
// the text around it (app.css isolates bdi explicitly).
export function bdi(text) {
  return text == null || text === '' ? null : h('bdi', null, String(text));
}

// Several user values, each isolated, between separators; null when there is none.
export function bdiJoin(values, sep) {
  const parts = values.filter((v) => v != null && v !== '');
  return parts.length ? parts.flatMap((v, i) => (i ? [sep, bdi(v)] : [bdi(v)])) : null;
}

export function clear(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter((k) => k != null && k !== false));
  return el;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled form field: label, control, hint and an error slot tied to it by aria.
export function field(label, control, opts = {}) {
  const id = control.id || nextId('f');
  control.id = id;
  const err = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
  const hint = opts.hint ? h('p', { class: 'hint', id: `${id}-hint` }, opts.hint) : null;
  control.setAttribute('aria-describedby', [hint && hint.id, err.id].filter(Boolean).join(' '));
  if (opts.name) control.dataset.field = opts.name;
  return h('div', { class: 'field' }, h('label', { for: id }, label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null), control, hint, err);
}

export function setFieldError(control, message) {
  const err = document.getElementById(`${control.id}-err`);
  if (!err) return;
  err.textContent = message || '';
  err.hidden = !message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

export function announce(text) {
  const live = document.getElementById('live');
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 30);
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
