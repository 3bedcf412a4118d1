// Words for what the settings commands return: file sizes, audit event names, where the
// audit chain breaks, and the restore errors the vault can give.
import type { MessageKey, Translator } from '../../i18n';

/** A file size in the UI language and digits (B, kB or MB), via Intl's units. */
export function fileSize(t: Translator, bytes: number, digits: 'latn' | 'arab'): string {
  const [value, unit] = bytes < 1024 ? [bytes, 'byte'] : bytes < 1024 * 1024 ? [bytes / 1024, 'kilobyte'] : [bytes / (1024 * 1024), 'megabyte'];
  try {
    return new Intl.NumberFormat(`${t.lang}-u-nu-${digits}`, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: unit === 'byte' ? 0 : 1 }).format(value);
  } catch {
    return `${t.number(Math.round(value * 10) / 10)} ${unit === 'byte' ? 'B' : unit === 'kilobyte' ? 'kB' : 'MB'}`;
  }
}

/** The audit log's event names the app knows; any other is shown as written. */
export const AUDIT_EVENTS = [
  'vault_created',
  'unlock',
  'unlock_failed',
  'passphrase_changed',
  'duress_passphrase_set',
  'submission_created',
  'finalize',
  'withdraw',
  'acknowledged',
  'export',
  'backup',
  'restore',
  'sync',
  'retention_purge',
  'wipe',
] as const;

export function auditEvent(t: Translator, event: string): string {
  return (AUDIT_EVENTS as readonly string[]).includes(event) ? t(`audit.event.${event}` as MessageKey) : event;
}

/** Where the chain breaks, from the core's `Edited { seq: 4 }`-style problem, in words. */
export function chainBreak(t: Translator, problem: string | null): string {
  const m = /^(Edited|Disconnected|AnchorMismatch)\s*\{\s*seq:\s*(\d+)\s*\}$/.exec((problem ?? '').trim());
  if (!m) return t('audit.brokenUnknown');
  const key = ({ Edited: 'audit.brokenEdited', Disconnected: 'audit.brokenDisconnected', AnchorMismatch: 'audit.brokenAnchor' } as const)[m[1] as 'Edited' | 'Disconnected' | 'AnchorMismatch'];
  return t(key, { seq: Number(m[2]) });
}
