// The app's own strings (never the form's: those come translated inside each XLSForm,
// through the core's view model) in the four languages field teams use most. Every string
// a component shows comes from these catalogs; the writing direction is part of each
// catalog (`meta.dir`), never guessed from the text.
//
// Numerals: Arabic defaults to Western digits (0–9), because answers are typed, stored and
// exported with them and P-codes use them; a setting switches the display to Arabic-Indic
// digits (٠–٩). Dates and numbers go through Intl for the chosen language.
//
// Counts: a message may hold an ICU-style plural, `{count, plural, =0 {no batch} one {#
// batch} other {# batches}}`. An exact `=N` wins, then the language's own category
// (Intl.PluralRules: Arabic has six, French counts 0 as singular), else `other`; `#` is the
// number, formatted like any other. A branch may hold `{name}` placeholders, filled after.
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

/** The index of the `}` closing the `{` at `open`, counting nested braces; -1 if none. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** A plural's branches (`=0 {…} one {…} other {…}`) by selector, or null when malformed. */
function branches(options: string): Map<string, string> | null {
  const found = new Map<string, string>();
  const selector = /\s*(=\d+|[a-z]+)\s*(?=\{)/y;
  let i = 0;
  while (options.slice(i).trim()) {
    selector.lastIndex = i;
    const m = selector.exec(options);
    const close = m ? closing(options, i + m[0].length) : -1;
    if (!m || close < 0) return null;
    found.set(m[1], options.slice(i + m[0].length + 1, close));
    i = close + 1;
  }
  return found.has('other') ? found : null;
}

/**
 * `text` with each plural replaced by its branch for `params` (`#` formatted by `format`),
 * or null when one is malformed. A plural whose variable is missing stays as written; one
 * given a string (not a number) takes `other`, with the string for `#`.
 */
function plurals(text: string, params: Params, rules: Intl.PluralRules, format: (n: number) => string): string | null {
  const head = /\{\s*(\w+)\s*,\s*plural\s*,/g;
  let out = '';
  let from = 0;
  for (let m: RegExpExecArray | null; (m = head.exec(text)); ) {
    const close = closing(text, m.index);
    const options = close < 0 ? null : branches(text.slice(head.lastIndex, close));
    if (!options) return null;
    head.lastIndex = close + 1;
    const value = params[m[1]];
    if (value === undefined) continue;
    const chosen =
      (typeof value === 'number' ? (options.get(`=${value}`) ?? options.get(rules.select(value))) : undefined) ?? options.get('other')!;
    // Plurals nested in the branch first, so that each `#` left is this plural's number.
    const inner = plurals(chosen, params, rules, format);
    if (inner === null) return null;
    const shown = typeof value === 'number' ? format(value) : value;
    out += text.slice(from, m.index) + inner.replace(/#/g, () => shown);
    from = close + 1;
  }
  return out + text.slice(from);
}

export function translator(lang: UiLanguage, digits: Digits = 'latn'): Translator {
  const catalog = CATALOGS[lang];
  const numberFormat = new Intl.NumberFormat(locale(lang, digits));
  const dateFormat = new Intl.DateTimeFormat(locale(lang, digits), { day: 'numeric', month: 'long', year: 'numeric' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale(lang, digits), { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  const monthFormat = new Intl.DateTimeFormat(locale(lang, digits), { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);
  const pluralRules = new Intl.PluralRules(lang);
  const t = ((key: MessageKey, params?: Params) => {
    const raw: string = catalog[key] ?? en[key] ?? key;
    if (!params) return raw;
    // A malformed plural is a catalog mistake: show the text as written rather than throw.
    const text = plurals(raw, params, pluralRules, (n) => numberFormat.format(n));
    if (text === null) return raw;
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
