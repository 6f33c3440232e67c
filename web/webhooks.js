// webhooks.js - the Webhooks page (issue 22, webhooks.manage): the partner's one registration
// (its URL and the events sent to it) or what webhooks are for when there is none; the form
// that registers or changes it (each event explained); delete after a confirmation; a test
// event followed until it is delivered or has failed, with each attempt; and the delivery log,
// paged, with a redeliver button for parked events.  Partner Center's API as partnerd serves
// it (docs/webhooks.md); the server's refusals appear next to the field they name.
import { api, page } from './api.js';
import { h, clear, announce, bdi } from './dom.js';
import { t, tText, fmtNum, language } from './i18n.js';
import { input, labelled, statusLine, showStatus, errorText, submitWith, localError } from './form.js';

const REG = '/webhooks/v1/registration';
const POLL_MS = 1000;
const POLL_FOR_MS = 90000;
const LOG_SIZE = 20;

// state shared by the page's parts; render() starts it afresh
let view = null;

// An event's catalog text, or null for an event this portal does not know yet.
function explain(name) {
  const k = `webhooks.ev.${name}`;
  const s = t(k);
  return s === k ? null : s;
}

// An attempt's time to the second (attempts are often seconds apart).
function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

function focusOn(el) {
  if (!el) return;
  el.setAttribute('tabindex', '-1');
  el.focus();
}

// ---- the registration: shown, or the empty state ----

function summary(reg) {
  const head = h('h2', { id: 'wh-reg-h' }, t('webhooks.current'));
  if (!reg) {
    return h('section', { class: 'card', id: 'wh-current', 'aria-labelledby': 'wh-reg-h' }, head,
      h('p', { id: 'wh-empty' }, t('webhooks.empty')), h('p', { class: 'muted' }, t('webhooks.emptyHow')));
  }
  const del = h('button', { type: 'button', class: 'danger', id: 'wh-delete' }, t('webhooks.delete'));
  del.addEventListener('click', () => remove(reg));
  return h('section', { class: 'card', id: 'wh-current', 'aria-labelledby': 'wh-reg-h' }, head,
    h('dl', null, h('dt', null, t('webhooks.url')), h('dd', { class: 'mono', id: 'wh-url-now' }, bdi(reg.WebhookUrl)),
      h('dt', null, t('webhooks.events')), h('dd', { id: 'wh-events-now' },
        h('ul', { class: 'plain' }, reg.WebhookEvents.map((e) => h('li', { class: 'mono' }, e))))),
    h('div', { class: 'actions' }, del));
}

async function remove(reg) {
  if (!confirm(tText('webhooks.deleteConfirm', { url: reg.WebhookUrl }))) return;
  try {
    await api('DELETE', REG, undefined, view.etag ? { headers: { 'If-Match': view.etag } } : {});
    announce(t('webhooks.deleted'));
    await refresh('#wh-reg-h');
  } catch (e) {
    showStatus(view.status, errorText(e));
    focusOn(view.status);
  }
}

// ---- the form: register or change ----

function eventBoxes(names, chosen) {
  const box = h('fieldset', { class: 'roles', 'data-field': 'WebhookEvents', id: 'wh-events', tabindex: '-1', 'aria-describedby': 'wh-events-hint wh-events-err' },
    h('legend', null, t('webhooks.events'), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    h('p', { class: 'muted roles-hint', id: 'wh-events-hint' }, t('webhooks.eventsHint')),
    names.map((n) => {
      const text = explain(n);
      const desc = text ? h('span', { class: 'role-desc', id: `wh-ev-${n}-desc` }, text) : null;
      return h('div', { class: 'role-item' }, h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'events', value: n, checked: chosen.includes(n), 'aria-describedby': desc && desc.id }), ' ',
        h('span', { class: 'mono' }, n)), desc);
    }));
  return box;
}

function regForm(names, reg) {
  const url = input('WebhookUrl', { type: 'url', id: 'wh-url', value: reg ? reg.WebhookUrl : '', autocomplete: 'off', spellcheck: 'false', inputmode: 'url' });
  const boxes = eventBoxes(names, reg ? reg.WebhookEvents : names.filter((n) => n === 'test-created'));
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary', id: 'wh-save' }, t(reg ? 'webhooks.save' : 'webhooks.register'));
  const form = h('form', { class: 'card', id: 'wh-form', novalidate: true, 'aria-labelledby': 'wh-form-h' },
    h('h2', { id: 'wh-form-h' }, t(reg ? 'webhooks.changeTitle' : 'webhooks.registerTitle')),
    labelled('webhooks.url', url, { name: 'WebhookUrl', required: true, hint: t('webhooks.urlHint') }),
    boxes, h('p', { class: 'field-error', id: 'wh-events-err', hidden: true }), status, h('div', { class: 'actions' }, submit));
  submitWith(form, submit, status, async () => {
    const events = [...boxes.querySelectorAll('input:checked')].map((x) => x.value);
    const wrong = {};
    if (!url.value.trim()) wrong.WebhookUrl = t('wizard.required');
    if (!events.length) wrong.WebhookEvents = t('webhooks.eventsRequired');
    if (Object.keys(wrong).length) throw localError(wrong);
    const body = { WebhookUrl: url.value.trim(), WebhookEvents: events };
    const r = reg ? await api('PUT', REG, body, view.etag ? { headers: { 'If-Match': view.etag } } : {}) : await api('POST', REG, body);
    view.etag = r.headers.get('ETag');
    announce(t(reg ? 'webhooks.saved' : 'webhooks.registered'));
    await refresh('#wh-reg-h');
  });
  return form;
}

// ---- the test event ----

function attemptList(results) {
  if (!results || !results.length) return h('p', { class: 'muted' }, t('webhooks.noAttempts'));
  return h('ol', { class: 'attempts' }, results.map((a) => h('li', { 'data-attempt': a.attempt },
    h('span', null, fmtTime(a.dateTimeUtc)), ' · ',
    h('span', { class: 'mono' }, a.httpStatus ? `${a.httpStatus} ${a.responseCode}` : a.responseCode),
    a.responseMessage ? [' · ', bdi(a.responseMessage)] : null)));
}

function testResult(out, r) {
  const state = r.status; // pending | completed | failed
  clear(out, h('p', null, h('span', { class: `badge ${state}`, id: 'wh-test-state' }, t(`webhooks.test.${state}`)), ' ',
    h('span', { class: 'muted' }, t('webhooks.correlation', { id: r.correlationId }))), attemptList(r.results));
}

async function follow(out, cid) {
  const until = Date.now() + POLL_FOR_MS;
  for (;;) {
    const r = await api('GET', `${REG}/validationEvents/${cid}`);
    if (!document.body.contains(out)) return null; // the page was left
    testResult(out, r.data);
    if (r.data.status !== 'pending') return r.data.status;
    if (Date.now() > until) return 'pending';
    await new Promise((ok) => setTimeout(ok, POLL_MS));
  }
}

function testSection(reg) {
  const out = h('div', { id: 'wh-test-result', 'aria-live': 'polite' });
  const status = statusLine();
  const hasTest = reg.WebhookEvents.includes('test-created');
  const hint = h('p', { class: 'muted', id: 'wh-test-hint' }, t(hasTest ? 'webhooks.testHint' : 'webhooks.testNeedsEvent'));
  const send = h('button', { type: 'button', id: 'wh-test', disabled: !hasTest, 'aria-describedby': hint.id }, t('webhooks.test'));
  // busy, not disabled, while it runs: a disabled button would drop the keyboard focus
  send.addEventListener('click', async () => {
    if (send.getAttribute('aria-busy') === 'true') return;
    send.setAttribute('aria-disabled', 'true');
    send.setAttribute('aria-busy', 'true');
    showStatus(status, '');
    try {
      const r = await api('POST', `${REG}/validationEvents`);
      announce(t('webhooks.testSent'));
      const end = await follow(out, r.data.correlationId);
      if (end) announce(t(`webhooks.test.${end}`));
      if (end) await reloadLog();
    } catch (e) {
      showStatus(status, e.status === 429 ? t('webhooks.testThrottled') : errorText(e));
      focusOn(status);
    } finally {
      send.removeAttribute('aria-disabled');
      send.setAttribute('aria-busy', 'false');
    }
  });
  return h('section', { class: 'card', id: 'wh-test-card', 'aria-labelledby': 'wh-test-h' }, h('h2', { id: 'wh-test-h' }, t('webhooks.testTitle')),
    hint, h('div', { class: 'actions' }, send), status, out);
}

// ---- the delivery log ----

function deliveryRow(d) {
  const cell = (key, ...kids) => h('td', { 'data-label': t(key) }, ...kids);
  let action = null;
  if (d.state === 'parked') {
    action = h('button', { type: 'button', class: 'small', 'data-redeliver': d.cursor, 'aria-label': t('webhooks.redeliverWhat', { cursor: d.cursor, name: d.eventName }) }, t('webhooks.redeliver'));
    action.addEventListener('click', () => redeliver(d, action));
  }
  return h('tr', { 'data-cursor': d.cursor }, cell('webhooks.col.cursor', h('span', { class: 'mono' }, String(d.cursor))),
    cell('webhooks.col.event', h('span', { class: 'mono' }, d.eventName)),
    cell('webhooks.col.state', h('span', { class: `badge ${d.state}` }, t(`webhooks.state.${d.state}`)),
      d.state === 'pending' && d.nextAttemptUtc ? h('div', { class: 'muted' }, t('webhooks.nextAttempt', { when: fmtTime(d.nextAttemptUtc) })) : null),
    cell('webhooks.col.attempts', h('div', null, t('webhooks.attemptCount', { n: fmtNum(d.attemptCount) })), attemptList(d.attempts)),
    h('td', { class: 'row-actions' }, action));
}

async function redeliver(d, button) {
  button.disabled = true;
  try {
    await api('POST', `${REG}/deliveries/${d.cursor}/redeliver`);
    announce(t('webhooks.redelivered', { cursor: d.cursor }));
    await reloadLog();
    focusOn(document.getElementById('wh-log-h'));
  } catch (e) {
    button.disabled = false;
    showStatus(view.logStatus, errorText(e));
    focusOn(view.logStatus);
  }
}

async function loadLog(append) {
  const pg = await page(`${REG}/deliveries?size=${LOG_SIZE}`, append ? view.token : undefined);
  view.token = pg.next;
  view.more.hidden = !view.token;
  const rows = pg.items.map(deliveryRow);
  if (append) view.body.append(...rows);
  else clear(view.body, rows.length ? rows : h('tr', null, h('td', { colspan: 5, class: 'muted' }, t('webhooks.logEmpty'))));
  return rows;
}

async function reloadLog() {
  if (!view || !view.body) return;
  try {
    await loadLog(false);
    showStatus(view.logStatus, '');
  } catch (e) {
    showStatus(view.logStatus, errorText(e));
  }
}

function logSection() {
  view.body = h('tbody');
  view.more = h('button', { type: 'button', id: 'wh-more', hidden: true }, t('common.more'));
  view.logStatus = statusLine();
  view.more.addEventListener('click', async () => {
    try {
      const rows = await loadLog(true);
      if (rows.length) focusOn(rows[0].querySelector('td'));
    } catch (e) {
      showStatus(view.logStatus, errorText(e));
    }
  });
  const refresh = h('button', { type: 'button', id: 'wh-log-refresh', class: 'small' }, t('webhooks.logRefresh'));
  refresh.addEventListener('click', reloadLog);
  return h('section', { class: 'card', id: 'wh-log', 'aria-labelledby': 'wh-log-h' },
    h('div', { class: 'page-head' }, h('h2', { id: 'wh-log-h' }, t('webhooks.logTitle')), refresh),
    h('p', { class: 'muted' }, t('webhooks.logIntro')), view.logStatus,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' }, h('caption', { class: 'sr-only' }, t('webhooks.logTitle')),
      h('thead', null, h('tr', null, ['webhooks.col.cursor', 'webhooks.col.event', 'webhooks.col.state', 'webhooks.col.attempts', 'subs.actions']
        .map((k) => h('th', { scope: 'col' }, t(k))))), view.body)),
    h('div', { class: 'pager' }, view.more));
}

// ---- the page ----

async function registration() {
  try {
    const r = await api('GET', REG);
    return { reg: r.data, etag: r.headers.get('ETag') };
  } catch (e) {
    if (e.status === 404) return { reg: null, etag: null };
    throw e;
  }
}

// Draws the page anew (after a change), then moves the focus to `focus` (a selector).
async function refresh(focus) {
  const [names, { reg, etag }] = await Promise.all([api('GET', `${REG}/events`).then((r) => r.data), registration()]);
  view.etag = etag;
  view.status = statusLine();
  view.body = null;
  clear(view.main, h('h1', null, t('webhooks.title')), h('p', { class: 'muted' }, t('webhooks.intro')), view.status,
    summary(reg), regForm(names, reg), reg ? testSection(reg) : null, reg ? logSection() : null);
  if (reg) await loadLog(false);
  if (focus) focusOn(view.main.querySelector(focus));
}

export async function render(main) {
  view = { main, etag: null, token: null };
  await refresh(null);
}

export function reset() {
  view = null;
}
