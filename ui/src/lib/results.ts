// How the results and send screens word what the core hands them: a released cell's
// number per indicator kind, a hidden cell as "fewer than k" and why (never a number),
// cells grouped by disaggregation for the charts, release states, sectors and the
// words for every share/sync error code. Pure: no state, only the translator.
import { CATALOGS, type MessageKey, type Translator } from './i18n';
import type { AppError, ByValue, HiddenBecause, IndicatorResult, Release, ResultCell, RiskLevel, Shown } from './backend';

/** A catalog key built from data (a sector, a dimension, an error code), if it exists. */
export function keyIf(key: string): MessageKey | null {
  return key in CATALOGS.en ? (key as MessageKey) : null;
}

/** The translation of a data-built key, else `fallback` (the code itself). */
export function tr(t: Translator, key: string, fallback: string): string {
  const k = keyIf(key);
  return k ? t(k) : fallback;
}

const oneDecimal = (v: number) => Math.round(v * 10) / 10;

/** A released value as the indicator's kind reads: 40%, 78 of 100, 2.3, 12. */
export function formatValue(t: Translator, kind: string, shown: Extract<Shown, { shown: 'released' }>): string {
  const v = shown.value;
  if (kind === 'proportion' && v !== null) return t('results.percent', { value: oneDecimal(v) });
  if (kind === 'score' && v !== null) return t('results.score', { value: Math.round(v) });
  if (v !== null) return t.number(oneDecimal(v));
  // A released cell with no unit (a declared value nobody had): nothing to average.
  return kind === 'count' ? t.number(shown.n) : t('results.noData');
}

/** "fewer than 5": the only thing a hidden cell ever says about its size. */
export function fewerThan(t: Translator, shown: Extract<Shown, { shown: 'hidden' }>): string {
  return t('results.fewerThan', { k: shown.fewer_than });
}

export function hiddenShort(t: Translator, because: HiddenBecause): string {
  return t(`results.hidden.${because}` as MessageKey);
}

export function hiddenLong(t: Translator, because: HiddenBecause, k: number): string {
  return t(`results.hiddenWhy.${because}` as MessageKey, { k });
}

/** Where a bar of this value ends, in % of the chart's width (0–100). */
export function barPercent(value: number, max: number): number {
  if (!(max > 0) || !Number.isFinite(value)) return 0;
  return Math.max(0, Math.min(100, (100 * value) / max));
}

/** The chart's full scale: 100 for percentages and scores, else the largest value shown. */
export function scaleOf(indicator: IndicatorResult): number {
  if (indicator.kind === 'proportion' || indicator.kind === 'score') return 100;
  let max = 0;
  for (const c of indicator.cells) {
    if (c.shown.shown === 'released') max = Math.max(max, c.shown.value ?? c.shown.n);
    if (c.baseline !== null) max = Math.max(max, c.baseline);
  }
  return max > 0 ? max : 1;
}

/** A cell's plotted value: released with a number, else nothing (never 0 for hidden). */
export function plotted(cell: ResultCell, kind: string): number | null {
  if (cell.shown.shown !== 'released') return null;
  return cell.shown.value ?? (kind === 'count' ? cell.shown.n : null);
}

/** The change from baseline, as "+12 points" for percentages, else "+0.4". */
export function change(t: Translator, kind: string, cell: ResultCell): string | null {
  const now = plotted(cell, kind);
  if (now === null || cell.baseline === null) return null;
  const d = oneDecimal(now - cell.baseline);
  const signed = (d > 0 ? '+' : d < 0 ? '−' : '±') + t.number(Math.abs(d));
  return kind === 'proportion' || kind === 'score' ? t('results.points', { value: signed }) : signed;
}

export function formatBaseline(t: Translator, kind: string, value: number): string {
  if (kind === 'proportion') return t('results.percent', { value: oneDecimal(value) });
  if (kind === 'score') return t('results.score', { value: Math.round(value) });
  return t.number(oneDecimal(value));
}

/** A dimension's name ("Sex", "Age group"), else its code. */
export function dimensionLabel(t: Translator, dimension: string): string {
  return tr(t, `results.dim.${dimension}`, dimension);
}

/** A cell value's label: the form's choice label; derived dimensions and "no answer" from the catalogs. */
export function valueLabel(t: Translator, by: ByValue): string {
  if (by.value === '_missing') return t('results.missing');
  if (by.label !== by.value) return by.label;
  return tr(t, `results.dim.${by.dimension}.${by.value}`, by.label);
}

export function cellLabel(t: Translator, cell: ResultCell): string {
  return cell.by.length ? cell.by.map((b) => valueLabel(t, b)).join(' · ') : t('results.total');
}

export interface CellGroup {
  /** `sex`, or `age_band*sex` for a combination. */
  key: string;
  label: string;
  cells: ResultCell[];
}

/** An indicator's cells by disaggregation, single dimensions first, in the core's order. */
export function groupCells(t: Translator, indicator: IndicatorResult): { total: ResultCell | null; groups: CellGroup[] } {
  const total = indicator.cells.find((c) => c.by.length === 0) ?? null;
  const groups = new Map<string, CellGroup>();
  for (const c of indicator.cells) {
    // A batch is one round already: its `round` cells (the other round's is empty) say nothing more.
    if (!c.by.length || (c.by.length === 1 && c.by[0].dimension === 'round')) continue;
    const key = c.by.map((b) => b.dimension).join('*');
    let g = groups.get(key);
    if (!g) {
      g = { key, label: c.by.map((b) => dimensionLabel(t, b.dimension)).join(' × '), cells: [] };
      groups.set(key, g);
    }
    g.cells.push(c);
  }
  const list = [...groups.values()].sort((a, b) => a.key.split('*').length - b.key.split('*').length);
  return { total, groups: list };
}

export function sectorLabel(t: Translator, sector: string | null): string {
  return sector ? tr(t, `results.sector.${sector}`, sector) : '';
}

export function levelLabel(t: Translator, level: RiskLevel | null): string {
  return level ? t(`results.level.${level}` as MessageKey) : t('results.level.unrated');
}

/** Whether a group may be previewed and approved, or why not, in plain words. */
export function releaseWords(t: Translator, release: Release): string {
  switch (release.state) {
    case 'releasable':
      return t('share.releasable');
    case 'nothing_finalized':
      return t('share.nothingFinalized');
    case 'need_more_changes':
      return t('share.needMoreChanges', { needed: release.needed, changes: release.changes });
    case 'differencing_risk':
      return t('share.differencingRisk', { count: release.cells.length });
    case 'all_hidden':
      return release.min_responses ? t('share.allHiddenMinResponses') : t('share.allHidden');
  }
}

/** An error code (command or sync problem) in words an enumerator can act on. */
export function errorWords(t: Translator, error: Pick<AppError, 'code' | 'message'>): string {
  const k = keyIf(`error.${error.code}`);
  return k ? t(k) : t('error.unknown');
}

/** Whether a site's label needs its code beside it (not when it carries it: "Site 1 (SO2401-0001)"). */
export function needsCode(label: string, code: string): boolean {
  return !label.includes(code);
}
