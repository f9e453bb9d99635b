/**
 * R06: the e-CQS sender, a loop in every worker process: the shared outbox sender
 * (workers/outbox-sender.ts) over `ecqs_outbox`, one ordering stream per case, `Idempotency-Key:
 * <recordId>`. See docs/ecqs-contract.md for why this is not a workflow.
 */
import { ECQS_SCHEMA_VERSION } from '../domain/samr/ecqs';
import { OutboxSender, type OutboxSenderOptions, type OutboxTable } from './outbox-sender';

export { backoffMs, classifyStatus } from './outbox-sender';
export type EcqsSenderOptions = OutboxSenderOptions;

export const ECQS_OUTBOX: OutboxTable = {
  label: 'e-CQS',
  table: 'ecqs_outbox',
  streamColumn: 'case_id',
  ackedColumn: 'acked_at',
  keySql: 'o.record_id::text',
  payloadSql: 'o.payload',
  headers: { 'x-ecqs-schema-version': ECQS_SCHEMA_VERSION },
  // R14: a risk-signal record is 1.1; every other record 1.0 (domain/samr/ecqs.ts schemaVersionOf).
  headersFor: (r) => ({ 'x-ecqs-schema-version': (r.payload as { schemaVersion?: string } | null)?.schemaVersion ?? ECQS_SCHEMA_VERSION }),
};

export class EcqsSender extends OutboxSender {
  constructor(opts: EcqsSenderOptions) {
    super(ECQS_OUTBOX, opts);
  }
}
