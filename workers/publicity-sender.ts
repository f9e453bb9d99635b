/**
 * R12: the credit-publicity sender, beside the e-CQS sender in every worker process: the shared
 * outbox sender (workers/outbox-sender.ts) over every row of `credit_publicity` whatever its kind,
 * one ordering stream per enterprise (USCC), `Idempotency-Key: <recordId>`, `published_at` set
 * when the national enterprise credit publicity system acknowledges. Format: docs/credit-publicity.md.
 */
import { creditPublicityRecord, type CreditPublicityRow, PUBLICITY_SCHEMA_VERSION } from '../domain/licence/credit-publicity';
import { publicityRecordId } from '../db/credit-publicity';
import { OutboxSender, type OutboxSenderOptions, type OutboxTable } from './outbox-sender';

export const PUBLICITY_OUTBOX: OutboxTable = {
  label: 'credit publicity',
  table: 'credit_publicity',
  streamColumn: 'uscc',
  ackedColumn: 'published_at',
  keySql: 'o.record_key',
  payloadSql: `to_jsonb(o) || jsonb_build_object('province', (SELECT province FROM certificates c WHERE c.number = o.certificate_no))`,
  prepare: ({ key, payload }) => {
    const recordId = publicityRecordId(key);
    return { key: recordId, body: creditPublicityRecord(payload as CreditPublicityRow, recordId) };
  },
  headers: { 'x-publicity-schema-version': PUBLICITY_SCHEMA_VERSION },
};

export class PublicitySender extends OutboxSender {
  constructor(opts: OutboxSenderOptions) {
    super(PUBLICITY_OUTBOX, opts);
  }
}
