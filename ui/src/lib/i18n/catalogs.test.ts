// The message catalogs: every key in all four languages, placeholders kept, no English
// left in French, Spanish or Arabic where a translation is expected, and no string
// hard-coded in a component.
import { describe, expect, it } from 'vitest';
import { CATALOGS, UI_LANGUAGES, directionOf, formLanguageFor, translator } from './index';

const en = CATALOGS.en as Record<string, string>;

/** Keys whose text is legitimately the same as English in that language. */
const SAME_AS_ENGLISH: Record<string, string[]> = {
  fr: ['meta.dir', 'app.name', 'app.version', 'vault.minutes', 'home.site', 'home.formVersion', 'fill.index', 'fill.repeatItem', 'widget.latitude', 'widget.longitude', 'widget.altitude', 'widget.date', 'widget.rankPosition', 'referral.service', 'referral.contact', 'neutral.title', 'settings.digitsLatin', 'settings.digitsArabic'],
  es: ['meta.dir', 'app.name', 'vault.minutes', 'fill.repeatItem', 'settings.digitsLatin', 'settings.digitsArabic'],
  ar: ['fill.repeatItem', 'settings.digitsLatin', 'settings.digitsArabic'],
};

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

describe('catalogs', () => {
  it('have every key in all four languages, none empty', () => {
    const keys = Object.keys(en).sort();
    for (const lang of UI_LANGUAGES) {
      const catalog = CATALOGS[lang] as Record<string, string>;
      expect(Object.keys(catalog).sort(), lang).toEqual(keys);
      for (const key of keys) expect(catalog[key].trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it('keep the same placeholders as English', () => {
    for (const lang of UI_LANGUAGES) {
      const catalog = CATALOGS[lang] as Record<string, string>;
      for (const key of Object.keys(en)) expect(placeholders(catalog[key]), `${lang} ${key}`).toEqual(placeholders(en[key]));
    }
  });

  it('leave no English text in fr, es or ar where a translation is expected', () => {
    for (const lang of ['fr', 'es', 'ar'] as const) {
      const catalog = CATALOGS[lang] as Record<string, string>;
      const same = Object.keys(en).filter((k) => catalog[k] === en[k]);
      expect(same.sort(), lang).toEqual([...SAME_AS_ENGLISH[lang]].sort());
    }
  });

  it('write Arabic in Arabic script, and only Arabic right to left', () => {
    const ar = CATALOGS.ar as Record<string, string>;
    const latinOnly = Object.keys(ar).filter(
      (k) => !SAME_AS_ENGLISH.ar.includes(k) && k !== 'meta.dir' && /[A-Za-z]{3,}/.test(ar[k].replace(/\{\w+\}/g, '')) && !/[\u0600-\u06FF]/.test(ar[k]),
    );
    expect(latinOnly).toEqual([]);
    expect(UI_LANGUAGES.filter((l) => directionOf(l) === 'rtl')).toEqual(['ar']);
  });
});

describe('translator', () => {
  it('fills placeholders and formats numbers per language and digit setting', () => {
    expect(translator('en')('fill.progress', { current: 3, total: 40 })).toBe('Question 3 of about 40');
    expect(translator('ar')('fill.progress', { current: 3, total: 40 })).toBe('السؤال 3 من نحو 40');
    expect(translator('ar', 'arab')('fill.progress', { current: 3, total: 40 })).toBe('السؤال ٣ من نحو ٤٠');
    expect(translator('fr').number(12345.5)).toMatch(/^12\s345,5$/);
  });

  it('formats dates per language', () => {
    const d = '2026-03-05T10:00:00Z';
    expect(translator('en').date(d)).toBe('March 5, 2026');
    expect(translator('fr').date(d)).toBe('5 mars 2026');
    expect(translator('es').date(d)).toBe('5 de marzo de 2026');
    expect(translator('ar', 'arab').date(d)).toMatch(/٢٠٢٦/);
    expect(translator('ar').date(d)).toMatch(/2026/);
    expect(translator('ar').date(d)).toMatch(/مارس/);
  });

  it('finds the form language matching the UI language', () => {
    const langs = ['English (en)', 'Français (fr)', 'Español (es)', 'العربية (ar)'];
    expect(formLanguageFor('ar', langs)).toBe('العربية (ar)');
    expect(formLanguageFor('fr', langs)).toBe('Français (fr)');
    expect(formLanguageFor('es', ['English (en)'])).toBeNull();
  });
});

describe('components', () => {
  // A visible string in a component must come from the catalogs: text between tags made
  // of letters is a hard-coded string.
  const SOURCES = import.meta.glob('../../**/*.svelte', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

  it('hard-code no user-visible text', () => {
    const offenders: string[] = [];
    expect(Object.keys(SOURCES).length).toBeGreaterThan(10);
    for (const [file, source] of Object.entries(SOURCES)) {
      let markup = source
        .replace(/<script[\s\S]*?<\/script>/g, '')
        .replace(/<style[\s\S]*?<\/style>/g, '')
        .replace(/<!--[\s\S]*?-->/g, '');
      let stripped = markup;
      // Remove {expressions}, innermost first, until none is left.
      for (let before = ''; before !== stripped; ) {
        before = stripped;
        stripped = stripped.replace(/\{[^{}]*\}/g, '');
      }
      for (const m of stripped.matchAll(/>([^<>]+)</g)) {
        if (/\p{L}{2,}/u.test(m[1])) offenders.push(`${file}: ${m[1].trim()}`);
      }
      for (const m of stripped.matchAll(/\b(?:aria-label|title|placeholder|alt)="([^"{]*)"/g)) {
        if (/\p{L}{2,}/u.test(m[1])) offenders.push(`${file}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
