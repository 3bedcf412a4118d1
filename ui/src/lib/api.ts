// The one typed wrapper around Tauri's IPC. Every call the UI makes into the shell goes
// through here, so command names and payload shapes live in one place and mirror
// src-tauri/src/commands/ (Rust names, snake_case fields as serialized by serde).
import { invoke } from '@tauri-apps/api/core';

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

export interface AppInfo {
  version: string;
}

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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isCommandError(e)) throw new LanternError(e.code, e.message);
    // The IPC layer itself failed (command not allowed, shell gone): no code from Rust.
    throw new LanternError('ipc.failed', String(e));
  }
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

export function listForms(): Promise<CatalogEntry[]> {
  return call<CatalogEntry[]>('list_forms');
}
