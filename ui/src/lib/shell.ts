// The Backend the screens use, over the app's typed IPC wrappers (lib/api.ts).
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { asAppError, type Backend } from './backend';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const shell: Backend = {
  appVersion: async () => (await call<{ version: string }>('app_info')).version,
  vaultState: () => call('vault_state'),
  createVault: (passphrase) => call('vault_create', { passphrase }),
  unlock: (passphrase) => call('vault_unlock', { passphrase }),
  lock: () => call('vault_lock'),
  setDuress: (passphrase) => call('vault_set_duress', { passphrase }),
  home: () => call('home'),
  start: (formId, site, round, language) => call('draft_start', { formId, site, round, language }),
  resume: (draftId) => call('draft_resume', { draftId }),
  discard: (draftId) => call('draft_discard', { draftId }),
  answer: (draftId, path, value) => call('draft_answer', { draftId, path, value }),
  addRepeat: (draftId, repeat) => call('draft_add_repeat', { draftId, repeat }),
  removeRepeat: (draftId, instance) => call('draft_remove_repeat', { draftId, instance }),
  setFormLanguage: (draftId, language) => call('draft_set_language', { draftId, language }),
  blockers: (draftId) => call('draft_blockers', { draftId }),
  finalize: (draftId) => call('draft_finalize', { draftId }),
  close: (draftId) => call('draft_close', { draftId }),
  referral: (site) => call('referral_get', { site }),
  saveReferral: (site, services) => call('referral_set', { site, services }),
  onLocked: (handler) => listen('locked', () => handler()),
  onSaved: (handler) => listen<{ draft_id: string }>('saved', (e) => handler(e.payload.draft_id)),
};
