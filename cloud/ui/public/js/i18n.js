import { en } from './i18n-en.js';
import { zh } from './i18n-zh.js';
import { zonesEn } from './i18n-zones-en.js';
import { zonesZh } from './i18n-zones-zh.js';

const LANG_KEY = 'csa.lang';

const DICTS = { en: { ...en, ...zonesEn }, zh: { ...zh, ...zonesZh } };

function initialLang() {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored === 'zh' || stored === 'en') return stored;
  return (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let lang = initialLang();

export const currentLang = () => lang;

export function setLang(next) {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

/** The text of `key` in the current language (English, then the key itself, when missing). */
export function t(key, vars = {}) {
  const text = DICTS[lang][key] ?? DICTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** Whether `key` has a text (in English at least). */
export const hasText = (key) => key in DICTS.en;

/** Fills every [data-i18n] element of the static page. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}
