// app.js - the portal's shell: language, session, the header with its menu, and the hash
// router that renders one view into <main>.  Views live in their own modules.
import { api, setCsrf, setLocale, onUnauthorized, ApiError } from './api.js';
import { h, clear, bdi } from './dom.js';
import { LANGS, pickLanguage, setLanguage, language, t, builtinName } from './i18n.js';
import * as signin from './signin.js';
import * as dashboard from './dashboard.js';
import * as customers from './customers.js';
import * as wizard from './wizard.js';
import * as account from './account.js';
import * as relationship from './relationship.js';
import * as users from './users.js';
import * as activity from './activity.js';
import * as webhooks from './webhooks.js';

const ctx = {
  session: null,
  can(perm) {
    return !!(this.session && this.session.permissions.includes(perm));
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  async refresh() {
    await loadSession();
    route();
  },
};

// path pattern, view, the permission it needs (null: any signed-in user)
const ROUTES = [
  [/^#?\/?$/, dashboard, null],
  [/^#\/customers$/, customers, 'customers.read'],
  [/^#\/customers\/new$/, wizard, 'customers.create'],
  [/^#\/customers\/([0-9a-f-]{36})$/, account, 'customers.read'],
  [/^#\/relationship$/, relationship, 'relationships.manage'],
  [/^#\/users$/, users, 'users.read'],
  [/^#\/activity$/, activity, 'audit.read'],
  [/^#\/webhooks$/, webhooks, 'webhooks.manage'],
  [/^#\/password$/, signin.passwordView, null],
];

const MENU = [
  ['#/', 'nav.dashboard', null],
  ['#/customers', 'nav.customers', 'customers.read'],
  ['#/customers/new', 'nav.addCustomer', 'customers.create'],
  ['#/relationship', 'nav.relationship', 'relationships.manage'],
  ['#/users', 'nav.users', 'users.read'],
  ['#/activity', 'nav.activity', 'audit.read'],
  ['#/webhooks', 'nav.webhooks', 'webhooks.manage'],
];

async function loadSession() {
  try {
    const r = await api('GET', '/portal/session', undefined, { quiet401: true });
    ctx.session = r.data;
    setCsrf(r.data.csrfToken);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    ctx.session = null;
    setCsrf(null);
  }
}

function languagePicker() {
  const sel = h('select', { id: 'lang', 'aria-label': t('lang.label'), value: language() },
    LANGS.map((l) => h('option', { value: l, lang: l }, t(`lang.${l}`))));
  sel.addEventListener('change', async () => {
    await switchLanguage(sel.value);
  });
  return sel;
}

async function switchLanguage(l) {
  await setLanguage(l, true);
  setLocale(l);
  route();
  document.getElementById('lang')?.focus();
}

// Whatever a view keeps of what the user typed (the wizard's entries, in memory and in
// sessionStorage) goes with the session: the next person at this tab starts empty.
function forgetViews() {
  for (const view of [wizard, customers, account, users, activity, relationship, webhooks]) if (typeof view.reset === 'function') view.reset();
  sessionStorage.clear();
  clear(document.getElementById('main'));
  document.getElementById('live').textContent = '';
}

async function signOut() {
  try {
    await api('DELETE', '/portal/session');
  } catch {
    /* the session may already be gone */
  }
  ctx.session = null;
  setCsrf(null);
  forgetViews();
  ctx.go('#/');
}

function header(current) {
  const top = document.getElementById('top');
  top.hidden = false;
  const s = ctx.session;
  const links = s && !s.mustChangePassword
    ? MENU.filter(([, , perm]) => !perm || ctx.can(perm)).map(([href, key]) =>
      h('li', null, h('a', { href, 'aria-current': href === current ? 'page' : null }, t(key))))
    : [];
  // below ~640 px the menu and the tools fold behind one button (app.css)
  const toggle = h('button', { type: 'button', class: 'menu-toggle', id: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'top-menu' }, t('nav.menu'));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    top.classList.toggle('open', open);
  });
  top.classList.remove('open');
  const fold = (ev) => {
    if (!ev.target.closest('a')) return;
    toggle.setAttribute('aria-expanded', 'false');
    top.classList.remove('open');
  };
  const who = s && !s.mustChangePassword
    ? h('a', { class: 'who', href: '#/password', title: t('nav.changePassword'), 'aria-label': `${builtinName(s.displayName) || s.userPrincipalName} – ${t('nav.changePassword')}` },
      bdi(builtinName(s.displayName) || s.userPrincipalName))
    : s ? h('span', { class: 'who' }, bdi(builtinName(s.displayName) || s.userPrincipalName)) : null;
  clear(top,
    h('a', { class: 'brand', href: '#/' }, t('app.name')),
    toggle,
    h('div', { class: 'top-menu', id: 'top-menu', onclick: fold },
      links.length ? h('nav', { 'aria-label': t('nav.label') }, h('ul', null, links)) : null,
      h('div', { class: 'top-tools' },
        languagePicker(), who,
        s ? h('button', { type: 'button', class: 'link', id: 'signout', onclick: signOut }, t('nav.signOut')) : null)));
}

function match(hash) {
  for (const [re, view, perm] of ROUTES) {
    const m = hash.match(re);
    if (m) return { view, perm, args: m.slice(1) };
  }
  return null;
}

async function route() {
  const main = document.getElementById('main');
  document.getElementById('skip').textContent = t('app.skip');
  const hash = (location.hash || '#/').split('?')[0];
  if (!ctx.session) {
    header(null);
    return signin.render(main, ctx);
  }
  if (ctx.session.mustChangePassword) {
    header(null);
    return signin.passwordView.render(main, ctx, [], true);
  }
  const m = match(hash);
  const current = m ? (hash.startsWith('#/customers/') && hash !== '#/customers/new' ? '#/customers' : hash) : null;
  header(current === '#' ? '#/' : current);
  if (!m) return clear(main, h('h1', null, t('error.notFoundTitle')), h('p', null, t('error.notFound')));
  if (m.perm && !ctx.can(m.perm)) return clear(main, h('h1', null, t('error.forbiddenTitle')), h('p', null, t('error.forbidden')));
  try {
    await m.view.render(main, ctx, m.args);
  } catch (e) {
    clear(main, h('h1', null, t('error.title')), h('p', { role: 'alert' }, e.message));
  }
}

async function start() {
  const l = pickLanguage();
  await setLanguage(l, false);
  setLocale(l);
  onUnauthorized(() => {
    if (ctx.session) {
      ctx.session = null;
      route();
    }
  });
  await loadSession();
  window.addEventListener('hashchange', () => {
    route();
    document.getElementById('main').focus({ preventScroll: true });
  });
  await route();
}

start();
