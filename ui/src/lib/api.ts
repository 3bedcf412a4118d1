// The one typed wrapper around Tauri's IPC. Every call the UI makes into the shell goes
// through here, and this is the only module that imports `invoke` or `listen`. Command
// names and payload shapes are the contract in docs/ipc.md; the types come from
// ./bindings (generated from lantern_core::capture::dto by ts-rs, checked by
// src-tauri/tests/bindings.rs). Argument keys are camelCase here; Tauri maps them to the
// Rust commands' snake_case parameters.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  AppInfo,
  DraftView,
  FinalizeCheck,
  Finalized,
  Home,
  LockedEvent,
  MediaData,
  Nav,
  PageEntry,
  PassphraseStrength,
  ReferralCards,
  Results,
  SavedEvent,
  ShareGroup,
  SharePreview,
  StartDraft,
  SyncItem,
  SyncView,
  EnrollRequest,
  SubmissionRow,
  SubmissionView,
  DeviceSettings,
  SiteImport,
  AuditView,
  ExportRequest,
  ExportDone,
  BackupTo,
  BackupDone,
  BackupFile,
  RestoreRequest,
  VaultState,
} from './bindings';

export type * from './bindings';

/** What a form list needs about one XLSForm (lantern_core::xlsform::FormSummary). */
export interface FormSummary {
  form_id: string;
  version: string;
  title: string;
  default_language: string | null;
  languages: string[];
}

/** One workbook in the forms folder (lantern_core::catalog::CatalogEntry). */
export type CatalogEntry =
  | { file: string; status: 'ok'; summary: FormSummary }
  | { file: string; status: 'broken'; code: string; message: string };

/** Every command the shell answers, as named in src-tauri/build.rs and docs/ipc.md. */
export const COMMANDS = [
  'app_info',
  'list_forms',
  'vault_state',
  'passphrase_strength',
  'vault_create',
  'vault_unlock',
  'vault_lock',
  'vault_touch',
  'vault_set_duress',
  'quick_exit',
  'home',
  'draft_start',
  'draft_resume',
  'draft_go',
  'draft_answer',
  'draft_repeat_add',
  'draft_repeat_remove',
  'draft_repeat_move',
  'draft_set_language',
  'draft_index',
  'draft_check',
  'draft_finalize',
  'draft_close',
  'draft_discard',
  'form_media',
  'ui_language',
  'set_ui_language',
  'referrals_get',
  'referrals_set',
  'share_groups',
  'results',
  'share_preview',
  'share_approve',
  'sync_status',
  'sync_enroll',
  'sync_now',
  'submissions_list',
  'submission_open',
  'receipt_find',
  'submission_withdraw',
  'settings_get',
  'settings_set_idle_lock',
  'settings_set_retention',
  'vault_change_passphrase',
  'sites_import',
  'audit_log',
  'export_aggregates',
  'backup_create',
  'backup_list',
  'vault_restore',
  'vault_wipe',
] as const;
export type Command = (typeof COMMANDS)[number];

/** Events the shell emits. */
export const EVENTS = {
  /** The vault locked (button, idle time, quick exit): drop every answer from memory. */
  locked: 'vault://locked',
  /** A draft was sealed into the vault. */
  saved: 'draft://saved',
  /** Sync moved (a batch sent, failed, or the server unreachable): payload SyncView. */
  sync: 'sync://changed',
} as const;

/** A failed command, as the shell sends it: a stable code and a readable message. */
export class LanternError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LanternError';
    this.code = code;
  }
}

function isCommandError(e: unknown): e is { code: string; message: string } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isCommandError(e)) throw new LanternError(e.code, e.message);
    // The IPC layer itself failed (command not allowed, shell gone): no code from Rust.
    throw new LanternError('ipc.failed', String(e));
  }
}

// --- app ---------------------------------------------------------------------------

export const appInfo = () => call<AppInfo>('app_info');
export const listForms = () => call<CatalogEntry[]>('list_forms');

// --- vault -------------------------------------------------------------------------

export const vaultState = () => call<VaultState>('vault_state');
export const passphraseStrength = (passphrase: string) =>
  call<PassphraseStrength>('passphrase_strength', { passphrase });
export const vaultCreate = (passphrase: string) => call<VaultState>('vault_create', { passphrase });
export const vaultUnlock = (passphrase: string) => call<VaultState>('vault_unlock', { passphrase });
export const vaultLock = () => call<VaultState>('vault_lock');
/** Activity (a tap, a key) that keeps the vault from idle-locking; throttle it. */
export const vaultTouch = () => call<void>('vault_touch');
/** Sets the duress passphrase: entered at unlock, it wipes the vault silently. */
export const vaultSetDuress = (passphrase: string, duress: string) =>
  call<void>('vault_set_duress', { passphrase, duress });
/** Locks at once and tells every listener (`vault://locked`, reason `quick_exit`). */
export const quickExit = () => call<void>('quick_exit');

// --- home --------------------------------------------------------------------------

export const home = (uiLanguage: string) => call<Home>('home', { uiLanguage });

// --- drafts ------------------------------------------------------------------------

export const draftStart = (request: StartDraft) => call<DraftView>('draft_start', { request });
export const draftResume = (draftId: string, uiLanguage: string | null) =>
  call<DraftView>('draft_resume', { draftId, uiLanguage });
export const draftGo = (draftId: string, nav: Nav) => call<DraftView>('draft_go', { draftId, nav });
/** Answers and autosaves; the reply is the current page redrawn. */
export const draftAnswer = (draftId: string, path: string, value: string) =>
  call<DraftView>('draft_answer', { draftId, path, value });
export const draftRepeatAdd = (draftId: string, repeat: string) =>
  call<DraftView>('draft_repeat_add', { draftId, repeat });
export const draftRepeatRemove = (draftId: string, instance: string) =>
  call<DraftView>('draft_repeat_remove', { draftId, instance });
export const draftRepeatMove = (draftId: string, instance: string, to: number) =>
  call<DraftView>('draft_repeat_move', { draftId, instance, to });
export const draftSetLanguage = (draftId: string, language: string) =>
  call<DraftView>('draft_set_language', { draftId, language });
export const draftIndex = (draftId: string) => call<PageEntry[]>('draft_index', { draftId });
export const draftCheck = (draftId: string) => call<FinalizeCheck>('draft_check', { draftId });
export const draftFinalize = (draftId: string) => call<Finalized>('draft_finalize', { draftId });
/** Save and exit: the draft stays in the vault, the session leaves memory. */
export const draftClose = (draftId: string) => call<void>('draft_close', { draftId });
/** Deletes a draft for good (after a deliberate confirmation in the UI). */
export const draftDiscard = (draftId: string) => call<void>('draft_discard', { draftId });
export const formMedia = (formId: string, version: string, file: string) =>
  call<MediaData>('form_media', { formId, version, file });

// --- finalized responses -----------------------------------------------------------

/** Every finalized response: form, site, round, day, and whether it was sent or is due for purge. */
export const submissionsList = () => call<SubmissionRow[]>('submissions_list');
/** One finalized response, read-only, every relevant page with its answers. */
export const submissionOpen = (submissionId: string, uiLanguage: string | null) =>
  call<SubmissionView>('submission_open', { submissionId, uiLanguage });
/** The response a respondent's receipt code names (`null`: none); `capture.bad_receipt` when it cannot be one. */
export const receiptFind = (code: string) => call<SubmissionRow | null>('receipt_find', { code });
/** Deletes a finalized response for good (consent withdrawn), after a deliberate confirmation. */
export const submissionWithdraw = (submissionId: string) => call<void>('submission_withdraw', { submissionId });

// --- results and sync ------------------------------------------------------------

/** Every form × site × round with finalized responses, and whether it may be sent. */
export const shareGroups = (uiLanguage: string) => call<ShareGroup[]>('share_groups', { uiLanguage });
/** Results as a release would carry them now (hidden cells only as "fewer than k"). */
export const results = (formId: string, site: string, round: string | null, uiLanguage: string) =>
  call<Results>('results', { formId, site, round, uiLanguage });
/** Exactly what would leave the device, kept by the shell until approved. */
export const sharePreview = (formId: string, site: string, round: string | null, uiLanguage: string) =>
  call<SharePreview>('share_preview', { formId, site, round, uiLanguage });
/** The operator approves the payload with this hash (written to the audit log). */
export const shareApprove = (hash: string) => call<SyncItem>('share_approve', { hash });
export const syncStatus = () => call<SyncView>('sync_status');
export const syncEnroll = (request: EnrollRequest) => call<SyncView>('sync_enroll', { request });
/** Tries every queued or failed batch now instead of waiting for the next retry. */
export const syncNow = () => call<SyncView>('sync_now');

// --- settings ----------------------------------------------------------------------

/** The UI language chosen on this device (kept outside the vault: the lock screen needs it). */
export const uiLanguage = () => call<string | null>('ui_language');
export const setUiLanguage = (language: string) => call<void>('set_ui_language', { language });
export const referralsGet = () => call<ReferralCards>('referrals_get');
export const referralsSet = (cards: ReferralCards) => call<void>('referrals_set', { cards });

/** The settings kept in the vault: idle lock, retention per form, the site list. */
export const settingsGet = () => call<DeviceSettings>('settings_get');
export const settingsSetIdleLock = (minutes: number) => call<DeviceSettings>('settings_set_idle_lock', { minutes });
/** `days: null` goes back to the form's own period; never longer than the form allows (`settings.invalid`). */
export const settingsSetRetention = (formId: string, days: number | null) =>
  call<DeviceSettings>('settings_set_retention', { formId, days });
export const vaultChangePassphrase = (passphrase: string, newPassphrase: string) =>
  call<void>('vault_change_passphrase', { passphrase, newPassphrase });
/** A site list (CSV text): every row imported, or none and each bad line listed. */
export const sitesImport = (text: string) => call<SiteImport>('sites_import', { text });
/** The audit log, newest first, and whether its hash chain verifies. */
export const auditLog = () => call<AuditView>('audit_log');
/** Exports releasable aggregates under a named data-sharing agreement (logged). */
export const exportAggregates = (request: ExportRequest) => call<ExportDone>('export_aggregates', { request });
export const backupCreate = (to: BackupTo) => call<BackupDone>('backup_create', { to });
/** Backups in the device's backups folder; works without a vault (restore). */
export const backupList = () => call<BackupFile[]>('backup_list');
/** Restores a backup as this device's vault (only when there is none). */
export const vaultRestore = (request: RestoreRequest) => call<VaultState>('vault_restore', { request });
/** Panic wipe: destroys the vault at once. Only after a deliberate confirmation. */
export const vaultWipe = () => call<VaultState>('vault_wipe');

// --- events ------------------------------------------------------------------------

export const onLocked = (handler: (e: LockedEvent) => void): Promise<UnlistenFn> =>
  listen<LockedEvent>(EVENTS.locked, (event) => handler(event.payload));
export const onSaved = (handler: (e: SavedEvent) => void): Promise<UnlistenFn> =>
  listen<SavedEvent>(EVENTS.saved, (event) => handler(event.payload));
export const onSync = (handler: (view: SyncView) => void): Promise<UnlistenFn> =>
  listen<SyncView>(EVENTS.sync, (event) => handler(event.payload));
