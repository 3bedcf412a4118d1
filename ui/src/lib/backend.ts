// What the screens need from the shell, in the screens' own terms. `lib/api.ts` (the
// app's typed IPC contract, generated from the Rust types) is the only implementation;
// this file adapts it so that a change of the wire shapes touches one place.
import type { Blocker, FormView } from './form/model';

export type { Blocker, FormView };

export interface FormSummary {
  form_id: string;
  version: string;
  title: string;
  default_language: string | null;
  languages: string[];
}

export type CatalogEntry =
  | { file: string; status: 'ok'; summary: FormSummary }
  | { file: string; status: 'broken'; code: string; message: string };

export interface Site {
  /** P-code. */
  code: string;
  name: string;
}

export interface DraftSummary {
  id: string;
  form_id: string;
  title: string;
  site: string | null;
  round: string | null;
  updated_at: string;
}

export interface FinalizedCount {
  form_id: string;
  title: string;
  site: string | null;
  round: string | null;
  count: number;
}

export interface SyncStatus {
  enrolled: boolean;
  last_sent_at: string | null;
  pending: number;
}

export interface VaultState {
  exists: boolean;
  unlocked: boolean;
  demo: boolean;
  /** Minutes of inactivity before the vault locks itself. */
  idle_lock_minutes: number;
}

export interface HomeData {
  forms: CatalogEntry[];
  sites: Site[];
  rounds: string[];
  drafts: DraftSummary[];
  finalized: FinalizedCount[];
  sync: SyncStatus;
}

export interface Fill {
  draft_id: string;
  view: FormView;
}

export interface FinalizeResult {
  finalized: boolean;
  blocking: Blocker[];
  /** The record kept is only the consent refusal (the form's purpose gate). */
  refusal?: boolean;
}

export interface ReferralService {
  name: string;
  contact: string;
  notes: string;
}

export interface Backend {
  appVersion(): Promise<string>;
  vaultState(): Promise<VaultState>;
  createVault(passphrase: string): Promise<void>;
  unlock(passphrase: string): Promise<void>;
  lock(): Promise<void>;
  setDuress(passphrase: string): Promise<void>;
  home(): Promise<HomeData>;
  start(formId: string, site: string | null, round: string | null, language: string | null): Promise<Fill>;
  resume(draftId: string): Promise<Fill>;
  discard(draftId: string): Promise<void>;
  answer(draftId: string, path: string, value: string): Promise<FormView>;
  addRepeat(draftId: string, repeat: string): Promise<FormView>;
  removeRepeat(draftId: string, instance: string): Promise<FormView>;
  setFormLanguage(draftId: string, language: string): Promise<FormView>;
  blockers(draftId: string): Promise<Blocker[]>;
  finalize(draftId: string): Promise<FinalizeResult>;
  close(draftId: string): Promise<void>;
  referral(site: string): Promise<ReferralService[]>;
  saveReferral(site: string, services: ReferralService[]): Promise<void>;
  /** Calls `handler` when the shell locks the vault by itself (idle lock). */
  onLocked(handler: () => void): Promise<() => void>;
  /** Calls `handler` after each autosave of the draft. */
  onSaved(handler: (draftId: string) => void): Promise<() => void>;
}

/** A failed command: a stable code and a readable message. */
export class AppError extends Error {
  readonly code: string;
  /** Seconds to wait before trying again, when the shell says so (unlock after failures). */
  readonly retryAfter: number | null;
  constructor(code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function asAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string') {
    const x = e as { code: string; message?: string; retry_after_secs?: number };
    return new AppError(x.code, x.message ?? x.code, x.retry_after_secs ?? null);
  }
  return new AppError('ui.unexpected', String(e));
}
