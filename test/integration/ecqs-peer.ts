/**
 * A stand-in for SAMR's e-CQS endpoint on loopback: a real node http server that can answer
 * 200, fail with 500 (or any status), hang (hold the request, never answer), or take the record
 * and then hang (the sender sees a timeout although e-CQS has the record: a duplicate follows).
 * It deduplicates by Idempotency-Key like a well-behaved receiver and checks per-case order.
 * The credit-publicity tests (R12) use it too, with the enterprise as the ordering stream (`streamOf`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PeerMode = 'ok' | 'fail' | 'hang' | 'accept-then-hang' | { status: number } | ((record: PeerRecord) => PeerMode);

export interface PeerRecord {
  recordId: string;
  caseId: string;
  sequence: number;
  event: string;
  [k: string]: unknown;
}

export interface EcqsPeer {
  url: string;
  mode: PeerMode;
  /** First accepted copy of each record, in arrival order. */
  accepted: PeerRecord[];
  /** Every request that reached the peer (including duplicates and failures). */
  requests: number;
  /** Requests whose Idempotency-Key had already been accepted. */
  duplicates: number;
  /** Records that arrived before their predecessor in the same case was accepted. */
  orderViolations: string[];
  headers: Record<string, string | string[] | undefined>[];
  /** Per case, the sequences in acceptance order. */
  perCase(): Map<string, number[]>;
  close(): Promise<void>;
}

export async function startEcqsPeer(
  opts: { port?: number; mode?: PeerMode; keepHeaders?: boolean; path?: string; streamOf?: (r: PeerRecord) => string } = {},
): Promise<EcqsPeer> {
  const streamOf = opts.streamOf ?? ((r: PeerRecord) => r.caseId);
  const seen = new Map<string, PeerRecord>();
  const lastSeq = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const peer: EcqsPeer = {
    url: '',
    mode: opts.mode ?? 'ok',
    accepted: [],
    requests: 0,
    duplicates: 0,
    orderViolations: [],
    headers: [],
    perCase() {
      const m = new Map<string, number[]>();
      for (const r of peer.accepted) m.set(streamOf(r), [...(m.get(streamOf(r)) ?? []), r.sequence]);
      return m;
    },
    async close() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  const take = (key: string, record: PeerRecord): number => {
    if (seen.has(key)) {
      peer.duplicates++;
      return 200; // already have it: same answer as the first time
    }
    const stream = streamOf(record);
    const prev = lastSeq.get(stream) ?? 0;
    if (record.sequence !== prev + 1) peer.orderViolations.push(`${stream}: got ${record.sequence} after ${prev}`);
    lastSeq.set(stream, Math.max(prev, record.sequence));
    seen.set(key, record);
    peer.accepted.push(record);
    return 201;
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      peer.requests++;
      if (opts.keepHeaders) peer.headers.push(req.headers);
      let record: PeerRecord;
      try {
        record = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PeerRecord;
      } catch {
        res.writeHead(400).end('bad json');
        return;
      }
      const key = String(req.headers['idempotency-key'] ?? '');
      let mode = peer.mode;
      while (typeof mode === 'function') mode = mode(record);
      if (mode === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (mode === 'fail') {
        res.writeHead(500).end('e-CQS unavailable');
        return;
      }
      if (typeof mode === 'object') {
        res.writeHead(mode.status).end(`status ${mode.status}`);
        return;
      }
      if (!key || key !== record.recordId) {
        res.writeHead(400).end('Idempotency-Key must equal recordId');
        return;
      }
      const status = take(key, record);
      if (mode === 'accept-then-hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ recordId: key }));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${opts.path ?? '/ecqs/records'}`;
  return peer;
}
