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

// People's names: 姓 before 名 in Chinese (王伟), given name first elsewhere (Wei Wang).
export function nameOrder() {
  return lang === 'zh-CN' ? ['lastName', 'firstName'] : ['firstName', 'lastName'];
}

// China's provinces as the rules list them (their Chinese names, which the server stores),
// said in the UI's language: the Latin name first outside Chinese, the stored name beside it.
const CN_LATIN = {
  北京市: 'Beijing', 天津市: 'Tianjin', 河北省: 'Hebei', 山西省: 'Shanxi', 内蒙古自治区: 'Inner Mongolia',
  辽宁省: 'Liaoning', 吉林省: 'Jilin', 黑龙江省: 'Heilongjiang', 上海市: 'Shanghai', 江苏省: 'Jiangsu',
  浙江省: 'Zhejiang', 安徽省: 'Anhui', 福建省: 'Fujian', 江西省: 'Jiangxi', 山东省: 'Shandong', 河南省: 'Henan',
  湖北省: 'Hubei', 湖南省: 'Hunan', 广东省: 'Guangdong', 广西壮族自治区: 'Guangxi', 海南省: 'Hainan',
  重庆市: 'Chongqing', 四川省: 'Sichuan', 贵州省: 'Guizhou', 云南省: 'Yunnan', 西藏自治区: 'Tibet (Xizang)',
  陕西省: 'Shaanxi', 甘肃省: 'Gansu', 青海省: 'Qinghai', 宁夏回族自治区: 'Ningxia', 新疆维吾尔自治区: 'Xinjiang',
  台湾省: 'Taiwan', 香港特别行政区: 'Hong Kong', 澳门特别行政区: 'Macao',
};
export function stateName(country, s) {
  if (country !== 'CN' || lang === 'zh-CN' || !CN_LATIN[s]) return s;
  return `${CN_LATIN[s]} (${s})`;
}

// The names partnerd gives what it makes by itself (the first partner, its first admin, a new
// customer's admin) are English words in the store; the page says them in its language.
const BUILTIN = { 'My partner': 'builtin.myPartner', 'Global admin': 'builtin.globalAdmin', Administrator: 'builtin.administrator' };
export function builtinName(s) {
  return BUILTIN[s] ? t(BUILTIN[s]) : s;
}
