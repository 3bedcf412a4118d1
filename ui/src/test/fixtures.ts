// Catalog entries shaped exactly as `list_forms` sends them, shared by the vitest and
// Playwright tiers: one readable form and one broken workbook.
import type { CatalogEntry } from '../lib/api';

export const SITE_VISIT: Extract<CatalogEntry, { status: 'ok' }> = {
  file: 'site_visit_check.xlsx',
  status: 'ok',
  summary: {
    form_id: 'site_visit_check',
    version: '2026112301',
    title: 'Site visit check',
    default_language: 'English (en)',
    languages: ['English (en)', 'Français (fr)'],
  },
};

export const BROKEN: Extract<CatalogEntry, { status: 'broken' }> = {
  file: 'zz_broken.xlsx',
  status: 'broken',
  code: 'workbook.unreadable',
  message: 'the workbook could not be read as .xlsx: invalid Zip archive',
};

export const ENTRIES: CatalogEntry[] = [SITE_VISIT, BROKEN];
