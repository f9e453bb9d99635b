/**
 * Runs in a worker thread of `npm start` (see ./database.ts): PGlite executes every query
 * synchronously in WASM, and on the main thread a long one would keep `npm start` from
 * answering Ctrl-C (tsx then SIGKILLs it after 60 ms, orphaning the children).
 */
import { mkdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteThreadData {
  dataDir: string;
  host: string;
  port: number;
  maxConnections: number;
}

export type PgliteThreadMessage = { type: 'ready' } | { type: 'failed'; message: string; code?: string } | { type: 'closed' };

async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-thread must run in a worker thread');
  const opts = workerData as PgliteThreadData;
  const send = (m: PgliteThreadMessage) => port.postMessage(m);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    mkdirSync(opts.dataDir, { recursive: true });
    db = await PGlite.create({ dataDir: opts.dataDir });
    server = new PGLiteSocketServer({ db, host: opts.host, port: opts.port, maxConnections: opts.maxConnections });
    await server.start();
  } catch (err) {
    await db?.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    send({ type: 'failed', message: e instanceof Error ? e.message : String(err), code: e?.code });
    port.close();
    return;
  }
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'close') return;
    void (async () => {
      await server?.stop().catch(() => undefined);
      await db?.close().catch(() => undefined);
      send({ type: 'closed' });
      port.close();
    })();
  });
  send({ type: 'ready' });
}

void run();
