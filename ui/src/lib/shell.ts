// The Backend over the app's typed IPC wrappers (lib/api.ts), errors made AppErrors.
import * as api from './api';
import { asAppError, type Backend } from './backend';

function wrap<A extends unknown[], R>(f: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await f(...args);
    } catch (e) {
      throw asAppError(e);
    }
  };
}

export const shell: Backend = {
  appInfo: wrap(api.appInfo),
  vaultState: wrap(api.vaultState),
  passphraseStrength: wrap(api.passphraseStrength),
  vaultCreate: wrap(api.vaultCreate),
  vaultUnlock: wrap(api.vaultUnlock),
  vaultLock: wrap(api.vaultLock),
  vaultTouch: wrap(api.vaultTouch),
  vaultSetDuress: wrap(api.vaultSetDuress),
  quickExit: wrap(api.quickExit),
  home: wrap(api.home),
  draftStart: wrap(api.draftStart),
  draftResume: wrap(api.draftResume),
  draftGo: wrap(api.draftGo),
  draftAnswer: wrap(api.draftAnswer),
  draftRepeatAdd: wrap(api.draftRepeatAdd),
  draftRepeatRemove: wrap(api.draftRepeatRemove),
  draftRepeatMove: wrap(api.draftRepeatMove),
  draftSetLanguage: wrap(api.draftSetLanguage),
  draftIndex: wrap(api.draftIndex),
  draftCheck: wrap(api.draftCheck),
  draftFinalize: wrap(api.draftFinalize),
  draftClose: wrap(api.draftClose),
  draftDiscard: wrap(api.draftDiscard),
  formMedia: wrap(api.formMedia),
  uiLanguage: wrap(api.uiLanguage),
  setUiLanguage: wrap(api.setUiLanguage),
  referralsGet: wrap(api.referralsGet),
  referralsSet: wrap(api.referralsSet),
  submissionsList: wrap(api.submissionsList),
  submissionOpen: wrap(api.submissionOpen),
  receiptFind: wrap(api.receiptFind),
  submissionWithdraw: wrap(api.submissionWithdraw),
  shareGroups: wrap(api.shareGroups),
  results: wrap(api.results),
  sharePreview: wrap(api.sharePreview),
  shareApprove: wrap(api.shareApprove),
  syncStatus: wrap(api.syncStatus),
  syncEnroll: wrap(api.syncEnroll),
  syncNow: wrap(api.syncNow),
  settingsGet: wrap(api.settingsGet),
  settingsSetIdleLock: wrap(api.settingsSetIdleLock),
  settingsSetRetention: wrap(api.settingsSetRetention),
  vaultChangePassphrase: wrap(api.vaultChangePassphrase),
  sitesImport: wrap(api.sitesImport),
  auditLog: wrap(api.auditLog),
  exportAggregates: wrap(api.exportAggregates),
  backupCreate: wrap(api.backupCreate),
  backupList: wrap(api.backupList),
  vaultRestore: wrap(api.vaultRestore),
  vaultWipe: wrap(api.vaultWipe),
  onLocked: api.onLocked,
  onSaved: api.onSaved,
  onSync: api.onSync,
};
