/**
 * Where P1's CPU goes: the same cases as bench/p1-throughput.ts (ours and the bare baseline,
 * alternating bare, ours, bare, ours), with the CPU each used per case in the Temporal dev server
 * (read from /proc, Linux only) and in this process (the worker and the client). P1's ratio is
 * bound by the sum on a machine whose cores they share.
 *   npx tsx bench/p1-cpu.ts [--cases=200] [--concurrency=20]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createDevServerEnv } from '../test/helpers/temporal';
import { arg, fmt, machine, pool, runBareCase, runBench, runFullCase, SMOKE, startWorld, timed } from './lib';

const CASES = arg('cases', SMOKE ? 6 : 200);
const CONCURRENCY = arg('concurrency', SMOKE ? 3 : 20);

/** A process's own CPU ms and its reaped children's, from /proc/PID/stat (utime, stime, then cutime, cstime: 10 ms ticks). */
function procCpuMs(pid: string, withChildren: boolean): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * 10;
}

/** CPU ms used so far by this process's children that run the dev server. */
function serverCpuMs(): number {
  const children = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  let ms = 0;
  for (const pid of children) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev')) continue;
      ms += procCpuMs(pid, false);
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

/**
 * CPU ms used so far by the PostgreSQL server on this machine, when it runs here (Linux only):
 * the postmaster, its live backends, and the backends it reaped (their time moves to its cutime).
 * It shares the cores with the dev server and the worker, so its share counts against P1 too.
 */
function postgresCpuMs(): number | undefined {
  try {
    const master = execFileSync('pgrep', ['-o', '-x', 'postgres'], { encoding: 'utf8' }).trim();
    if (!master) return undefined;
    let ms = procCpuMs(master, true);
    const children = execFileSync('pgrep', ['-P', master], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    for (const pid of children) {
      try {
        ms += procCpuMs(pid, false);
      } catch {
        // exited meanwhile: its time is in the postmaster's cutime once reaped
      }
    }
    return ms;
  } catch {
    return undefined;
  }
}

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  console.log(`P1 CPU per case: ${CASES} cases per round at concurrency ${CONCURRENCY}`);
  console.log(machine());
  const env = await createDevServerEnv();
  const world = await startWorld(env, 'bench-p1-cpu');
  const client = env.client;
  const run = Date.now().toString(36);
  const round = async (name: string, one: (i: number) => Promise<void>) => {
    const [server0, self0, pg0] = [serverCpuMs(), selfCpuMs(), postgresCpuMs()];
    const r = await timed(() => pool([...Array(CASES).keys()], CONCURRENCY, one));
    const [server, self, pg1] = [(serverCpuMs() - server0) / CASES, (selfCpuMs() - self0) / CASES, postgresCpuMs()];
    const pg = pg0 !== undefined && pg1 !== undefined ? `; PostgreSQL ${fmt((pg1 - pg0) / CASES)} ms per case` : '';
    console.log(`${name}: ${fmt((CASES / r.ms) * 1000)} cases/s; dev server ${fmt(server)} ms CPU per case; worker and client ${fmt(self)} ms per case${pg}`);
  };
  const bare = (tag: string) => (i: number) => runBareCase(client, world.taskQueue, `P1C-bare-${run}-${tag}-${i}`);
  const ours = (tag: string) => (i: number) => runFullCase(client, world.taskQueue, `P1C-${run}-${tag}-${i}`);
  try {
    await pool([...Array(10).keys()], 10, bare('warm'));
    await round('bare', bare('a'));
    await round('ours', ours('a'));
    await round('bare', bare('b'));
    await round('ours', ours('b'));
  } finally {
    await world.stop();
    await env.teardown();
  }
}

runBench(main);
