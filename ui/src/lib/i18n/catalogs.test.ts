// The message catalogs: every key in all four languages, placeholders kept, no English
// left in French, Spanish or Arabic where a translation is expected, and no string
// hard-coded in a component.
import { describe, expect, it } from 'vitest';
import { CATALOGS, UI_LANGUAGES, directionOf, formLanguageFor, translator, type MessageKey } from './index';

const en = CATALOGS.en as Record<string, string>;

/** Keys whose text is legitimately the same as English in that language. */
const SAME_AS_ENGLISH: Record<string, string[]> = {
  fr: ['meta.dir', 'app.name', 'app.version', 'vault.minutes', 'home.site', 'home.formVersion', 'fill.index', 'fill.repeatItem', 'widget.latitude', 'widget.longitude', 'widget.altitude', 'widget.date', 'widget.rankPosition', 'referral.service', 'referral.contact', 'neutral.title', 'settings.digitsLatin', 'settings.digitsArabic'],
  es: ['meta.dir', 'app.name', 'vault.minutes', 'fill.repeatItem', 'settings.digitsLatin', 'settings.digitsArabic'],
  ar: ['fill.repeatItem', 'settings.digitsLatin', 'settings.digitsArabic'],
};

/**
 * The variables a message uses, each once: `{name}` placeholders, the variable of each
 * plural (`{count, plural, …}` uses `count`) and the placeholders inside its branches.
 */
function placeholders(text: string): string[] {
  const names = [...text.matchAll(/\{(\w+)\}|\{\s*(\w+)\s*,\s*plural\s*,/g)].map((m) => m[1] ?? m[2]);
  return [...new Set(names)].sort();
}

interface Plural {
  name: string;
  /** Selector (`one`, `=0`, …) to branch text, nested plurals included. */
  branches: Record<string, string>;
}

/** Every plural in `text`, nested ones too; throws on a malformed one, naming it. */
function pluralsIn(text: string): Plural[] {
  const found: Plural[] = [];
  const closing = (from: number) => {
    for (let i = from, depth = 0; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) return i;
    }
    throw new Error(`unclosed brace in: ${text}`);
  };
  for (const m of text.matchAll(/\{\s*(\w+)\s*,\s*plural\s*,/g)) {
    const end = closing(m.index);
    const plural: Plural = { name: m[1], branches: {} };
    let i = m.index + m[0].length;
    for (let b; (b = /^\s*(=\d+|[a-z]+)\s*\{/.exec(text.slice(i, end))); ) {
      const close = closing(i + b[0].length - 1);
      plural.branches[b[1]] = text.slice(i + b[0].length, close);
      i = close + 1;
    }
    if (text.slice(i, end).trim()) throw new Error(`not a branch: “${text.slice(i, end)}” in: ${text}`);
    found.push(plural);
  }
  return found;
}

/** Runs `check` with `text` as the English `meta.name` message, then puts it back. */
function withMessage(text: string, check: () => void) {
  const catalog = CATALOGS.en as Record<string, string>;
  const before = catalog['meta.name'];
  catalog['meta.name'] = text;
  try {
    check();
  } finally {
    catalog['meta.name'] = before;
  }
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

  it('give every plural an `other` branch and one for each of its language’s categories', () => {
    let plurals = 0;
    for (const lang of UI_LANGUAGES) {
      const catalog = CATALOGS[lang] as Record<string, string>;
      const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      const exact: Record<string, number[]> = { zero: [0], one: [1], two: [2] };
      for (const key of Object.keys(en)) {
        for (const plural of pluralsIn(catalog[key])) {
          plurals++;
          const selectors = Object.keys(plural.branches);
          expect(selectors, `${lang} ${key}`).toContain('other');
          for (const c of categories) {
            const covered = selectors.includes(c) || (exact[c] ?? []).some((n) => selectors.includes(`=${n}`));
            expect(covered, `${lang} ${key}: ${plural.name} has no “${c}”`).toBe(true);
          }
          for (const s of selectors) expect([...categories, 'other'].includes(s as Intl.LDMLPluralRule) || /^=\d+$/.test(s), `${lang} ${key}: “${s}”`).toBe(true);
        }
      }
    }
    expect(plurals).toBeGreaterThanOrEqual(4 * 19);
  });

  it('read every plural message to the end, for any count', () => {
    for (const lang of UI_LANGUAGES) {
      const t = translator(lang);
      for (const key of Object.keys(en) as MessageKey[]) {
        const text = (CATALOGS[lang] as Record<string, string>)[key];
        if (!pluralsIn(text).length) continue;
        for (const n of [0, 1, 2, 3, 11, 100, 1000000, 1.5]) {
          const shown = t(key, Object.fromEntries(placeholders(text).map((name) => [name, n])));
          expect(shown, `${lang} ${key} ${n}`).not.toMatch(/[{}#]/);
        }
      }
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

  it('picks the plural form for the count: English', () => {
    const t = translator('en');
    expect(t('send.waitingConnection', { count: 1 })).toBe('Waiting for a connection; 1 batch approved.');
    expect(t('send.waitingConnection', { count: 3 })).toBe('Waiting for a connection; 3 batches approved.');
    expect(t('send.waitingConnection', { count: 0 })).toBe('Waiting for a connection; 0 batches approved.');
    expect(t('send.waitingConnection', { count: 1200 })).toBe('Waiting for a connection; 1,200 batches approved.');
    expect(t('settings.retentionNowShorter', { days: 1, max: 90 })).toBe('Now: 1 day, shorter than the form’s 90, chosen on this device.');
    expect(t('send.previewCounts', { indicators: 1, cells: 2 })).toBe('1 indicator, in 2 cells (totals and groups)');
    // A placeholder inside the chosen branch is filled too.
    expect(t('send.previewHidden', { hidden: 1, k: 5 })).toBe('1 cell sent only as “fewer than 5”, without any number');
  });

  it('picks the plural form for the count: French counts 0 as singular', () => {
    const t = translator('fr');
    expect(t('send.waitingConnection', { count: 0 })).toBe('En attente d’une connexion ; 0 lot approuvé.');
    expect(t('send.waitingConnection', { count: 1 })).toBe('En attente d’une connexion ; 1 lot approuvé.');
    expect(t('send.waitingConnection', { count: 2 })).toBe('En attente d’une connexion ; 2 lots approuvés.');
    expect(t('send.waitingConnection', { count: 1000000 })).toMatch(/^En attente d’une connexion ; 1\s000\s000 de lots approuvés\.$/);
    expect(translator('es')('sites.imported', { count: 0 })).toBe('0 sitios importados.');
    expect(translator('es')('sites.imported', { count: 1 })).toBe('1 sitio importado.');
  });

  it('picks the plural form for the count: Arabic’s six, in either digits', () => {
    const t = translator('ar');
    const waiting = (count: number) => t('send.waitingConnection', { count });
    expect(waiting(0)).toBe('في انتظار اتصال؛ لا توجد دفعات تمت الموافقة عليها.');
    expect(waiting(1)).toBe('في انتظار اتصال؛ دفعة واحدة تمت الموافقة عليها.');
    expect(waiting(2)).toBe('في انتظار اتصال؛ دفعتان تمت الموافقة عليهما.');
    expect(waiting(3)).toBe('في انتظار اتصال؛ 3 دفعات تمت الموافقة عليها.');
    expect(waiting(10)).toBe('في انتظار اتصال؛ 10 دفعات تمت الموافقة عليها.');
    expect(waiting(11)).toBe('في انتظار اتصال؛ 11 دفعة تمت الموافقة عليها.');
    expect(waiting(100)).toBe('في انتظار اتصال؛ 100 دفعة تمت الموافقة عليها.');
    // A masculine noun shows the accusative of 11–99 apart from the genitive of 100.
    const imported = (count: number) => t('sites.imported', { count });
    expect([1, 2, 3, 11, 100, 103, 111].map(imported)).toEqual([
      'تم استيراد موقع واحد.',
      'تم استيراد موقعين.',
      'تم استيراد 3 مواقع.',
      'تم استيراد 11 موقعاً.',
      'تم استيراد 100 موقع.',
      'تم استيراد 103 مواقع.',
      'تم استيراد 111 موقعاً.',
    ]);
    const arab = translator('ar', 'arab');
    expect(arab('send.waitingConnection', { count: 11 })).toBe('في انتظار اتصال؛ ١١ دفعة تمت الموافقة عليها.');
    expect(arab('settings.retentionNowShorter', { days: 30, max: 90 })).toBe('الآن: ٣٠ يوماً، أقصر من مدة النموذج (٩٠)، اختيرت على هذا الجهاز.');
  });

  it('prefers an exact =N branch, and takes `other` for a string', () => {
    withMessage('{n, plural, =0 {none} =1 {just one} one {# one} other {# of them, not {k}}} left', () => {
      const t = translator('en');
      expect(t('meta.name', { n: 0 })).toBe('none left');
      expect(t('meta.name', { n: 1 })).toBe('just one left');
      expect(t('meta.name', { n: 7, k: 2 })).toBe('7 of them, not 2 left');
      expect(t('meta.name', { n: 'some', k: 'all' })).toBe('some of them, not all left');
      expect(t('meta.name', { k: 2 })).toBe('{n, plural, =0 {none} =1 {just one} one {# one} other {# of them, not 2}} left');
    });
  });

  it('shows a malformed plural as written, without throwing', () => {
    const malformed = [
      '{n, plural, one {# batch} other {# batches}',
      '{n, plural, one {# batch}}',
      '{n, plural, one {# batch} other {# batches} stray}',
      '{n, plural, one {# batch} other}',
      '{n, plural, one {# {batch} other {# batches}}',
    ];
    for (const text of malformed) {
      withMessage(text, () => expect(translator('en')('meta.name', { n: 2 }), text).toBe(text));
    }
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
