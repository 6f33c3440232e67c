// i18n.js - the portal's languages: zh-CN, en-US, de-DE.  Every visible string comes from
// /assets/messages.<lang>.json; dates and numbers are formatted by Intl for the language.
export const LANGS = ['zh-CN', 'en-US', 'de-DE'];
const STORE_KEY = 'partnerd.lang';
let lang = 'en-US';
let catalog = {};

export function pickLanguage() {
  const saved = localStorage.getItem(STORE_KEY);
  if (LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || 'en-US']) {
    const base = String(l).toLowerCase().split('-')[0];
    const hit = LANGS.find((x) => x.toLowerCase().split('-')[0] === base);
    if (hit) return hit;
  }
  return 'en-US';
}

export async function setLanguage(l, remember) {
  const res = await fetch(`/assets/messages.${l}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`messages.${l}.json: ${res.status}`);
  catalog = await res.json();
  lang = l;
  if (remember) localStorage.setItem(STORE_KEY, l);
  document.documentElement.lang = l;
  document.title = t('app.title');
}

export function language() {
  return lang;
}

// t('key', {name: 'x'}) -> the catalog's string with {name} replaced; the key itself if
// missing (a test checks that every key used exists in every catalog).
export function t(key, params) {
  const s = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

// As t, as nodes for an element: each parameter (user text, as often as not) in its own
// <bdi>, so that it cannot reorder the sentence around it.
export function tNodes(key, params) {
  const s = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
  return s.split(/(\{\w+\})/).filter((part) => part !== '').map((part) => {
    const k = /^\{(\w+)\}$/.exec(part);
    if (!k || !params || !(k[1] in params)) return part;
    const el = document.createElement('bdi');
    el.textContent = String(params[k[1]]);
    return el;
  });
}

// As t, for plain text that is shown (a confirm dialog): each parameter between U+2068 FIRST
// STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, the plain-text form of <bdi>.
export function tText(key, params) {
  const iso = {};
  for (const [k, v] of Object.entries(params || {})) iso[k] = `\u2068${v}\u2069`;
  return t(key, iso);
}

export function fmtDate(iso, withTime = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts = withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(lang, opts).format(d);
}

export function fmtNum(n) {
  return new Intl.NumberFormat(lang).format(n);
}
