// The dashboard's calls to lantern-server (same origin, the session cookie is HttpOnly so
// no script can read it). Every state-changing call repeats the session's CSRF token.

export type Level = 'red' | 'amber' | 'green';

export interface SessionInfo {
  username: string;
  role: 'admin' | 'viewer';
  csrf_token: string;
  expires_at: string;
}

export interface IndicatorMeta {
  name: string;
  labels: Record<string, string>;
  kind: 'count' | 'proportion' | 'mean' | 'sum' | 'score';
  hxl: string | null;
  sector: string | null;
  min_cell: number;
}

export interface FormInfo {
  form_id: string;
  form_versions: string[];
  indicators: IndicatorMeta[];
  rounds: string[];
  sites: string[];
  dimensions: string[];
}

export interface SiteInfo {
  code: string;
  name: string;
  admin: string[];
}

export interface Catalog {
  forms: FormInfo[];
  sites: SiteInfo[];
  admin_areas: string[];
}

export interface RiskCell {
  sector: string;
  level: Level | null;
  form_id: string;
  round: string | null;
  period: string;
  red: number;
  amber: number;
  green: number;
}

export interface Overview {
  sectors: string[];
  rows: { site: string; name: string | null; admin: string[]; level: Level | null; cells: (RiskCell | null)[] }[];
  counts: { red: number; amber: number; green: number; unrated: number };
}

export interface IndicatorRow {
  site: string;
  site_name: string | null;
  round: string | null;
  period: string;
  by: Record<string, string>;
  suppressed: boolean;
  rule: string | null;
  k: number;
  n: number | null;
  denominator: number | null;
  value: number | null;
  level: Level | null;
}

export interface IndicatorView {
  form_id: string;
  indicator: IndicatorMeta;
  rows: IndicatorRow[];
}

export type ChangeStatus = 'released' | 'baseline_suppressed' | 'endline_suppressed' | 'no_baseline' | 'no_endline';

export interface ChangeRow {
  site: string;
  site_name: string | null;
  indicator: string;
  status: ChangeStatus;
  baseline: number | null;
  endline: number | null;
  change: number | null;
  k: number;
}

export interface ChangeView {
  form_id: string;
  baseline: string;
  endline: string;
  indicators: IndicatorMeta[];
  rows: ChangeRow[];
}

export interface DeviceInfo {
  device_id: string;
  key_fingerprint: string;
  sites: string[];
  forms: string[];
  enrolled_at: string;
  revoked_at: string | null;
  last_upload_at: string | null;
}

export interface EnrollmentCode {
  code: string;
  sites: string[];
  forms: string[];
  expires_at: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public retryAfter: number | null = null,
  ) {
    super(message);
  }
}

let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

/** Fired when the server says the session is gone, so the page returns to sign-in. */
export const sessionLost = new EventTarget();

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-lantern-csrf'] = csrf;
  const r = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 204) return undefined as T;
  const json = await r.json().catch(() => null);
  if (!r.ok) {
    const e = new ApiError(
      r.status,
      json?.code ?? 'error',
      json?.message ?? r.statusText,
      r.headers.get('retry-after') ? Number(r.headers.get('retry-after')) : null,
    );
    if (r.status === 401 && path !== '/api/v1/session') sessionLost.dispatchEvent(new Event('lost'));
    throw e;
  }
  return json as T;
}

export type Params = Record<string, string | undefined>;

function query(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  session: () => call<SessionInfo>('GET', '/api/v1/session'),
  signIn: (username: string, password: string) => call<SessionInfo>('POST', '/api/v1/session', { username, password }),
  signOut: () => call<void>('DELETE', '/api/v1/session'),
  catalog: () => call<Catalog>('GET', '/api/v1/dashboard/catalog'),
  overview: (p: Params) => call<Overview>('GET', `/api/v1/dashboard/overview${query(p)}`),
  indicator: (p: Params) => call<IndicatorView>('GET', `/api/v1/dashboard/indicator${query(p)}`),
  change: (p: Params) => call<ChangeView>('GET', `/api/v1/dashboard/change${query(p)}`),
  devices: () => call<DeviceInfo[]>('GET', '/api/v1/dashboard/devices'),
  createEnrollment: (sites: string[], forms: string[], expires_days: number) =>
    call<EnrollmentCode>('POST', '/api/v1/dashboard/enrollments', { sites, forms, expires_days }),
  revoke: (id: string) => call<DeviceInfo>('POST', `/api/v1/dashboard/devices/${encodeURIComponent(id)}/revoke`),
};

export function exportUrl(view: string, format: 'csv' | 'xlsx' | 'hxl', params: Params): string {
  return `/api/v1/dashboard/export${query({ view, format, ...params })}`;
}
