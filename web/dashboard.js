// dashboard.js - the start page: a tile for each area the signed-in role may use, and the
// five newest customers (sort=newest) for those who may read them.
import { api } from './api.js';
import { h, clear, bdi } from './dom.js';
import { t, tNodes, builtinName } from './i18n.js';

const TILES = [
  ['#/customers', 'nav.customers', 'dashboard.customersText', 'customers.read'],
  ['#/customers/new', 'nav.addCustomer', 'dashboard.addText', 'customers.create'],
  ['#/relationship', 'nav.relationship', 'dashboard.relationshipText', 'relationships.manage'],
  ['#/users', 'nav.users', 'dashboard.usersText', 'users.read'],
  ['#/activity', 'nav.activity', 'dashboard.activityText', 'audit.read'],
];

export async function render(main, ctx) {
  const tiles = TILES.filter((x) => ctx.can(x[3])).map(([href, title, text]) =>
    h('li', null, h('a', { class: 'tile', href }, h('strong', null, t(title)), h('span', null, t(text)))));
  const recent = h('div');
  clear(main, h('h1', null, tNodes('dashboard.title', { name: builtinName(ctx.session.displayName) || ctx.session.userPrincipalName })),
    ctx.session.partnerName ? h('p', { class: 'muted' }, bdi(builtinName(ctx.session.partnerName))) : null,
    tiles.length ? h('ul', { class: 'tiles' }, tiles) : h('p', null, t('dashboard.nothing')), recent);
  if (!ctx.can('customers.read')) return;
  const r = await api('GET', '/v1/customers?size=5&sort=newest');
  const items = r.data.items || [];
  if (items.length)
    clear(recent, h('h2', null, t('dashboard.recent')), h('ul', { class: 'plain' },
      items.map((c) => h('li', null, h('a', { href: `#/customers/${c.id}` }, bdi(c.companyProfile.companyName)), ' ', h('span', { class: 'muted' }, bdi(c.companyProfile.domain))))),
      h('a', { href: '#/customers' }, t('dashboard.allCustomers')));
}
