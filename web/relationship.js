// relationship.js - "Request a reseller relationship": the invitation text and link, ready to
// copy; a new link replaces the old one, and a link can be revoked.
import { api, ApiError } from './api.js';
import { h, clear, announce, copyText } from './dom.js';
import { t, builtinName } from './i18n.js';
import { errorText } from './form.js';

export async function render(main, ctx) {
  const box = h('div');
  const status = h('p', { class: 'muted', role: 'status' });
  const show = async (method) => {
    let link = null;
    try {
      link = (await api(method, '/v1/customers/relationshiprequests')).data.url;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) return void clear(box, h('p', { class: 'form-status error', role: 'alert' }, errorText(e)));
    }
    if (!link) {
      return void clear(box, h('p', null, t('relationship.noLink')),
        h('button', { type: 'button', class: 'primary', id: 'new-link', onclick: () => show('POST') }, t('relationship.newLink')));
    }
    const text = t('relationship.invitation', { partner: builtinName(ctx.session.partnerName) || '', url: link });
    const copy = (value, what) => async () => {
      status.textContent = (await copyText(value)) ? t('common.copiedWhat', { what: t(what) }) : t('common.copyFailed');
    };
    clear(box,
      h('div', { class: 'field' }, h('label', { for: 'invite-text' }, t('relationship.text')),
        h('textarea', { id: 'invite-text', readonly: true, rows: 8, value: text })),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'copy-text', onclick: copy(text, 'relationship.text') }, t('relationship.copyText'))),
      h('div', { class: 'field' }, h('label', { for: 'invite-link' }, t('relationship.link')),
        h('div', { class: 'copy-row' }, h('input', { id: 'invite-link', readonly: true, value: link, class: 'mono' }),
          h('button', { type: 'button', id: 'copy-link', onclick: copy(link, 'relationship.link') }, t('relationship.copyLink')))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: async () => { await show('POST'); announce(t('relationship.renewed')); } }, t('relationship.newLink')),
        h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(t('relationship.revokeConfirm'))) return;
          try {
            await api('DELETE', '/v1/customers/relationshiprequests');
            announce(t('relationship.revoked'));
            show('GET');
          } catch (e) {
            status.textContent = errorText(e);
          }
        } }, t('relationship.revoke'))));
  };
  clear(main, h('h1', null, t('relationship.title')), h('p', null, t('relationship.intro')), box, status);
  await show('GET');
}
