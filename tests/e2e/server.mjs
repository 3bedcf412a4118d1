// A real lantern-server on 127.0.0.1 for the E2E tier: its own data folder, one-time
// enrollment codes from its own admin command, and stop/start on the same port (to take
// the connection away from the app and give it back).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, removeTree, root, within } from './rig.mjs';

export const SERVER = process.env.LANTERN_SERVER ?? join(root, 'target/debug/lantern-server');

export class Server {
  async start() {
    this.data ??= mkdtempSync(join(tmpdir(), 'lantern-e2e-server-'));
    this.port ??= await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.log = this.log ?? '';
    this.proc = spawn(SERVER, ['--data', this.data, '--listen', `127.0.0.1:${this.port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, RUST_LOG: 'warn' },
    });
    this.proc.stderr.on('data', (d) => (this.log += d));
    for (let i = 0; i < 150; i++) {
      if (this.proc.exitCode !== null) throw new Error(`lantern-server exited with ${this.proc.exitCode}:\n${this.log}`);
      try {
        if ((await fetch(`${this.url}/api/v1/health`)).ok) return this;
      } catch {
        /* not up yet */
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
    throw new Error(`lantern-server did not answer on ${this.url}:\n${this.log}`);
  }

  /** A one-time enrollment code for these sites (the server's own admin command). */
  enrollmentCode(...sites) {
    const args = ['--data', this.data, 'admin', 'create-enrollment'];
    for (const s of sites) args.push('--site', s);
    return execFileSync(SERVER, args, { encoding: 'utf8' }).trim().split('\n').pop().trim();
  }

  /** What the server holds, read with an admin token through its public API. */
  async aggregates(formId) {
    this.token ??= execFileSync(SERVER, ['--data', this.data, 'admin', 'create-token'], { encoding: 'utf8' }).trim().split('\n').pop().trim();
    const r = await fetch(`${this.url}/api/v1/aggregates?form_id=${encodeURIComponent(formId)}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (!r.ok) throw new Error(`GET aggregates: ${r.status} ${await r.text()}`);
    return r.json();
  }

  /** Stops the server; its data stays for the next start on the same port. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((ok) => this.proc.once('exit', ok));
    this.proc.kill('SIGTERM');
    await within(15_000, exited, null);
  }

  async remove() {
    await this.stop();
    if (this.data) removeTree(this.data);
  }
}
