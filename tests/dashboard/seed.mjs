// Seeds a real lantern-server on 127.0.0.1 the way the field does it: dashboard users and
// the site list with the server's own admin commands, then two devices (vaults) that
// enroll with one-time codes, fill the built-in forms (`lantern fill`), check what they
// would release (`lantern aggregate`), approve it (`lantern sync approve`) and send it
// (`lantern sync run`). Nothing is written to the server's database directly.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SERVER = join(root, 'target/debug/lantern-server');
const LANTERN = join(root, 'target/debug/lantern');
const PASSPHRASE = 'correct horse battery staple';
export const USERS = {
  admin: { name: 'amina', password: 'harbour violet ninety lamps' },
  viewer: { name: 'pierre', password: 'seven quiet river stones' },
};
export const SITES = [
  ['SO2401-0001', 'Hodan IDP site', 'SO24', 'SO2401'],
  ['SO2401-0002', 'Kahda IDP site', 'SO24', 'SO2401'],
  ['SO2402-0001', 'Garasbaley IDP site', 'SO24', 'SO2402'],
];

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function run(bin, args, env = {}) {
  try {
    return execFileSync(bin, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${bin} ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

const lantern = (args) => run(LANTERN, args, { LANTERN_PASSPHRASE: PASSPHRASE });

function scenario(form, name) {
  return JSON.parse(readFileSync(join(root, 'forms/scenarios', form, `${name}.json`), 'utf8'));
}

/** Women's participation interviews: `n` women, `attending` of whom attended meetings. */
function participation(site, round, n, attending, youngCount) {
  const base = scenario('womens_participation', 'typical_adult').answers;
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      ...base,
      site,
      round,
      age_band: i < youngCount ? '18_24' : '25_49',
      attended: i < attending ? 'yes' : 'no',
      voiced: i < attending ? (i % 2 === 0 ? 'yes' : 'no') : undefined,
      influence: i < attending ? 'agree' : 'disagree',
      safe_night: i % 3 === 0 ? 'safe' : 'unsafe',
      member_of: i < attending / 2 ? 'women_committee' : 'none',
      leadership_role: i < attending / 2 ? (i < attending / 4 ? 'chair' : 'none') : undefined,
      interview_status: 'completed',
    });
  }
  return out.map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)));
}

export async function seed() {
  const work = mkdtempSync(join(tmpdir(), 'lantern-dashboard-'));
  const data = join(work, 'server');
  const admin = (args, env) => run(SERVER, ['--data', data, 'admin', ...args], env);
  admin(['create-user', USERS.admin.name, '--role', 'admin'], { LANTERN_USER_PASSWORD: USERS.admin.password });
  admin(['create-user', USERS.viewer.name, '--role', 'viewer'], { LANTERN_USER_PASSWORD: USERS.viewer.password });
  const sitesCsv = join(work, 'sites.csv');
  writeFileSync(sitesCsv, 'site_code,site_name,admin1,admin2\n' + SITES.map((s) => s.join(',')).join('\n') + '\n');
  admin(['import-sites', sitesCsv]);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(SERVER, ['--data', data, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }

  try {
    await sendFromDevices(work, url, admin);
  } catch (e) {
    // Leave nothing running behind a failed seed.
    server.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
    throw new Error(`${e.message}\nserver log:\n${stderr}`);
  }
  return {
    url,
    work,
    stderr: () => stderr,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((ok) => server.once('exit', ok));
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Two devices, one per site: enroll, fill, aggregate, approve, send. */
async function sendFromDevices(work, url, admin) {
  const devices = [
    { site: 'SO2401-0001', camp: 'typical', shelter: 'typical', baseline: [16, 6, 2], endline: [16, 11, 2] },
    { site: 'SO2401-0002', camp: 'worst_case', shelter: 'worst_case', baseline: [15, 4, 3], endline: [16, 5, 1] },
  ];
  for (const d of devices) {
    const vault = join(work, `vault-${d.site}`);
    lantern(['vault', 'init', vault]);
    const code = admin(['create-enrollment', '--site', d.site]).trim().split('\n').pop();
    lantern(['sync', 'enroll', '--vault', vault, '--server', url, '--code', code]);
    let seq = 0;
    const fill = (form, answers, now) => {
      const file = join(work, `answers-${seq++}.json`);
      writeFileSync(file, JSON.stringify(answers));
      lantern(['fill', join(root, 'forms', `${form}.xlsx`), '--vault', vault, '--answers', file, '--finalize', '--now', now]);
      rmSync(file);
    };
    const camp = scenario('camp_safety_audit', d.camp);
    fill('camp_safety_audit', { ...camp.answers, site: d.site, round: 1 }, camp.now);
    const shelter = scenario('shelter_site_risk_review', d.shelter);
    fill('shelter_site_risk_review', { ...shelter.answers, site: d.site, round: 1 }, shelter.now);
    for (const [round, [n, attending, young]] of [['baseline', d.baseline], ['endline', d.endline]]) {
      const now = round === 'baseline' ? '2026-06-10T09:00:00Z' : '2026-11-20T09:00:00Z';
      for (const a of participation(d.site, round, n, attending, young)) fill('womens_participation', a, now);
    }
    for (const [form, round] of [
      ['camp_safety_audit', '1'],
      ['shelter_site_risk_review', '1'],
      ['womens_participation', 'baseline'],
      ['womens_participation', 'endline'],
    ]) {
      // What would leave: printed for the record, then approved as is.
      lantern(['aggregate', '--vault', vault, '--form', form, '--site', d.site, '--round', round, '--json']);
      lantern(['sync', 'approve', '--vault', vault, '--form', form, '--site', d.site, '--round', round, '--yes']);
    }
    lantern(['sync', 'run', '--vault', vault]);
  }
}
