// The dashboard's catalogs and small components: every language has every string (with
// the same placeholders), Arabic is right to left, and a risk level is never colour alone.
import { describe, expect, test } from 'vitest';
import { render } from '@testing-library/svelte';
import { CATALOGS, LANGS, label, translator } from './i18n';
import LevelBadge from './LevelBadge.svelte';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogs', () => {
  test('every language has every key with the same placeholders', () => {
    const en = CATALOGS.en as Record<string, string>;
    for (const lang of LANGS) {
      const c = CATALOGS[lang] as Record<string, string>;
      expect(Object.keys(c).sort()).toEqual(Object.keys(en).sort());
      for (const k of Object.keys(en)) expect(placeholders(c[k]), `${lang} ${k}`).toEqual(placeholders(en[k]));
    }
  });

  test('direction comes from the catalog; suppressed cells name k', () => {
    expect(translator('ar').dir).toBe('rtl');
    expect(translator('fr').dir).toBe('ltr');
    expect(translator('en')('suppressed', { k: 5 })).toBe('suppressed (fewer than 5)');
    expect(translator('ar').number(12.5)).toBe('12.5');
  });

  test('indicator labels follow the UI language', () => {
    const labels = { 'English (en)': 'Lit', 'العربية (ar)': 'مضاء' };
    expect(label(labels, 'ar', 'x')).toBe('مضاء');
    expect(label(labels, 'fr', 'x')).toBe('Lit');
    expect(label(undefined, 'fr', 'x')).toBe('x');
  });
});

describe('LevelBadge', () => {
  test('shows the level as words and a shape, not colour alone', () => {
    const { container } = render(LevelBadge, { level: 'red', t: translator('fr') });
    expect(container.textContent).toContain('Rouge');
    expect(container.textContent).toContain('■');
    const none = render(LevelBadge, { level: null, t: translator('en') });
    expect(none.container.textContent).toContain('Not rated');
  });
});
