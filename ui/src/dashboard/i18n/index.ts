// The dashboard's own strings in en, fr, es and ar (the same catalog approach as the field
// app: one JSON catalog per language, the writing direction inside it as `meta.dir`, never
// guessed from the text). Indicator labels come translated inside each released batch.
// Numbers and dates go through Intl; Arabic shows Western digits (0–9) because P-codes,
// periods and exported tables use them.
import en from './en.json';
import fr from './fr.json';
import es from './es.json';
import ar from './ar.json';

export type Catalog = typeof en;
export type MessageKey = keyof Catalog;
export type Lang = 'en' | 'fr' | 'es' | 'ar';
export const LANGS: Lang[] = ['en', 'fr', 'es', 'ar'];
export const CATALOGS: Record<Lang, Catalog> = { en, fr, es, ar };

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGS as string[]).includes(x);
}

export interface Translator {
  lang: Lang;
  dir: 'ltr' | 'rtl';
  (key: MessageKey, params?: Record<string, string | number>): string;
  number(n: number, digits?: number): string;
  date(iso: string): string;
  dateTime(iso: string): string;
}

export function translator(lang: Lang): Translator {
  const catalog = CATALOGS[lang];
  const locale = `${lang}-u-nu-latn`;
  const dateFormat = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  const t = ((key: MessageKey, params?: Record<string, string | number>) => {
    const text: string = catalog[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = params[name];
      if (v === undefined) return whole;
      return typeof v === 'number' ? new Intl.NumberFormat(locale).format(v) : v;
    });
  }) as Translator;
  t.lang = lang;
  t.dir = catalog['meta.dir'] === 'rtl' ? 'rtl' : 'ltr';
  t.number = (n: number, digits = 1) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n);
  t.date = (iso: string) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
  };
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
  t.dateTime = (iso: string) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
  };
  return t;
}

/** An indicator's label in the UI language: the batch's labels are keyed by the form's
 * language names, e.g. `English (en)` or `default`. */
export function label(labels: Record<string, string> | undefined, lang: Lang, fallback: string): string {
  if (!labels) return fallback;
  const key = Object.keys(labels).find((k) => k.endsWith(`(${lang})`) || k === lang);
  return (key && labels[key]) || labels['English (en)'] || labels['default'] || Object.values(labels)[0] || fallback;
}
