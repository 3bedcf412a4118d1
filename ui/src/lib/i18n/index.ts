// The app's own strings (never the form's: those come translated inside each XLSForm,
// through the core's view model) in the four languages field teams use most. Every string
// a component shows comes from these catalogs; the writing direction is part of each
// catalog (`meta.dir`), never guessed from the text.
//
// Numerals: Arabic defaults to Western digits (0–9), because answers are typed, stored and
// exported with them and P-codes use them; a setting switches the display to Arabic-Indic
// digits (٠–٩). Dates and numbers go through Intl for the chosen language.
import en from './en.json';
import fr from './fr.json';
import es from './es.json';
import ar from './ar.json';

export type Catalog = typeof en;
export type MessageKey = keyof Catalog;
export type UiLanguage = 'en' | 'fr' | 'es' | 'ar';
export type Digits = 'latn' | 'arab';

export const CATALOGS: Record<UiLanguage, Catalog> = { en, fr, es, ar };
export const UI_LANGUAGES: UiLanguage[] = ['en', 'fr', 'es', 'ar'];

export function isUiLanguage(code: unknown): code is UiLanguage {
  return typeof code === 'string' && (UI_LANGUAGES as string[]).includes(code);
}

export function directionOf(lang: UiLanguage): 'ltr' | 'rtl' {
  return CATALOGS[lang]['meta.dir'] === 'rtl' ? 'rtl' : 'ltr';
}

export type Params = Record<string, string | number>;

/** A translator bound to one language: `t(key, params)`, plus Intl formatting. */
export interface Translator {
  lang: UiLanguage;
  dir: 'ltr' | 'rtl';
  (key: MessageKey, params?: Params): string;
  number(n: number): string;
  date(d: Date | string): string;
  dateTime(d: Date | string): string;
  /** A `YYYY-MM` period as "November 2026" (the period a batch belongs to). */
  month(period: string): string;
}

function locale(lang: UiLanguage, digits: Digits): string {
  return `${lang}-u-nu-${digits}`;
}

export function translator(lang: UiLanguage, digits: Digits = 'latn'): Translator {
  const catalog = CATALOGS[lang];
  const numberFormat = new Intl.NumberFormat(locale(lang, digits));
  const dateFormat = new Intl.DateTimeFormat(locale(lang, digits), { day: 'numeric', month: 'long', year: 'numeric' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale(lang, digits), { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  const monthFormat = new Intl.DateTimeFormat(locale(lang, digits), { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);
  const t = ((key: MessageKey, params?: Params) => {
    const text: string = catalog[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? numberFormat.format(value) : value;
    });
  }) as Translator;
  t.lang = lang;
  t.dir = directionOf(lang);
  t.number = (n) => numberFormat.format(n);
  t.date = (d) => {
    const date = asDate(d);
    return Number.isNaN(date.getTime()) ? String(d) : dateFormat.format(date);
  };
  t.dateTime = (d) => {
    const date = asDate(d);
    return Number.isNaN(date.getTime()) ? String(d) : dateTimeFormat.format(date);
  };
  t.month = (period) => {
    const m = /^(\d{4})-(\d{2})$/.exec(period);
    return m ? monthFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1))) : period;
  };
  return t;
}

/**
 * The form language that matches a UI language, from the form's own language names as
 * the core gives them (`English (en)`, `Français (fr)`, `العربية (ar)`), or `null` when
 * the form does not have it.
 */
export function formLanguageFor(lang: UiLanguage, formLanguages: string[]): string | null {
  const suffix = `(${lang})`;
  return (
    formLanguages.find((l) => l.trim().toLowerCase().endsWith(suffix)) ??
    formLanguages.find((l) => l.trim().toLowerCase() === lang) ??
    null
  );
}
