// What the screens call, with the exact types of the app's IPC contract (./bindings via
// ./api). `shell.ts` implements it over api.ts (the only module that talks to Tauri);
// component tests give an in-memory one. Screens never import api.ts directly, so a test
// can stand in for the whole shell.
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
} from './api';

export type * from './api';

export interface Backend {
  appInfo(): Promise<AppInfo>;
  vaultState(): Promise<VaultState>;
  passphraseStrength(passphrase: string): Promise<PassphraseStrength>;
  vaultCreate(passphrase: string): Promise<VaultState>;
  vaultUnlock(passphrase: string): Promise<VaultState>;
  vaultLock(): Promise<VaultState>;
  vaultTouch(): Promise<void>;
  vaultSetDuress(passphrase: string, duress: string): Promise<void>;
  quickExit(): Promise<void>;
  home(uiLanguage: string): Promise<Home>;
  draftStart(request: StartDraft): Promise<DraftView>;
  draftResume(draftId: string, uiLanguage: string | null): Promise<DraftView>;
  draftGo(draftId: string, nav: Nav): Promise<DraftView>;
  draftAnswer(draftId: string, path: string, value: string): Promise<DraftView>;
  draftRepeatAdd(draftId: string, repeat: string): Promise<DraftView>;
  draftRepeatRemove(draftId: string, instance: string): Promise<DraftView>;
  draftRepeatMove(draftId: string, instance: string, to: number): Promise<DraftView>;
  draftSetLanguage(draftId: string, language: string): Promise<DraftView>;
  draftIndex(draftId: string): Promise<PageEntry[]>;
  draftCheck(draftId: string): Promise<FinalizeCheck>;
  draftFinalize(draftId: string): Promise<Finalized>;
  draftClose(draftId: string): Promise<void>;
  draftDiscard(draftId: string): Promise<void>;
  formMedia(formId: string, version: string, file: string): Promise<MediaData>;
  uiLanguage(): Promise<string | null>;
  setUiLanguage(language: string): Promise<void>;
  referralsGet(): Promise<ReferralCards>;
  referralsSet(cards: ReferralCards): Promise<void>;
  submissionsList(): Promise<SubmissionRow[]>;
  submissionOpen(submissionId: string, uiLanguage: string | null): Promise<SubmissionView>;
  receiptFind(code: string): Promise<SubmissionRow | null>;
  submissionWithdraw(submissionId: string): Promise<void>;
  shareGroups(uiLanguage: string): Promise<ShareGroup[]>;
  results(formId: string, site: string, round: string | null, uiLanguage: string): Promise<Results>;
  sharePreview(formId: string, site: string, round: string | null, uiLanguage: string): Promise<SharePreview>;
  shareApprove(hash: string): Promise<SyncItem>;
  syncStatus(): Promise<SyncView>;
  syncEnroll(request: EnrollRequest): Promise<SyncView>;
  syncNow(): Promise<SyncView>;
  settingsGet(): Promise<DeviceSettings>;
  settingsSetIdleLock(minutes: number): Promise<DeviceSettings>;
  settingsSetRetention(formId: string, days: number | null): Promise<DeviceSettings>;
  vaultChangePassphrase(passphrase: string, newPassphrase: string): Promise<void>;
  sitesImport(text: string): Promise<SiteImport>;
  auditLog(): Promise<AuditView>;
  exportAggregates(request: ExportRequest): Promise<ExportDone>;
  backupCreate(to: BackupTo): Promise<BackupDone>;
  backupList(): Promise<BackupFile[]>;
  vaultRestore(request: RestoreRequest): Promise<VaultState>;
  vaultWipe(): Promise<VaultState>;
  onLocked(handler: (e: LockedEvent) => void): Promise<() => void>;
  onSaved(handler: (e: SavedEvent) => void): Promise<() => void>;
  /** Sync moved by itself (a batch sent, a retry failed, the server unreachable). */
  onSync(handler: (view: SyncView) => void): Promise<() => void>;
}

/** A failed command: a stable code and a readable message. */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

export function asAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string') {
    const x = e as { code: string; message?: string };
    return new AppError(x.code, x.message ?? x.code);
  }
  return new AppError('ui.unexpected', String(e));
}
