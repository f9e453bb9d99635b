/**
 * Side effects of the application workflow. Each call carries an `eventKey` derived from the
 * workflow id and a step counter, so a retried activity (or a replayed one after a worker
 * crash) writes nothing twice.
 */
import type { Pool } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import type { ApplicationInput } from '../../domain/approval/application';
import type { WrittenNotice } from '../../domain/approval/notices';
import { certificateNumber, validUntil } from '../../domain/licence/certificate';
import { PRODUCTS, policyById } from '../../domain/policy';
import type { ProvinceCode } from '../../domain/provinces';
import { type AuditEntry, appendAudit } from '../../db/audit';
import { certificateStatus, stampCertificateContent } from '../../db/certificates';
import { teamProblems } from '../../db/registers';
import { enqueueCertificateEvent, enqueueTransitionRecord } from '../../db/ecqs-outbox';
import { insertNotice } from '../../db/notices';
import { findOpenNewApplication } from '../../db/pending-applications';
import { inTransaction } from '../../db/tx';
import { NotFoundError } from '../failures';

/** Columns of `applications` a transition may set. */
export interface CaseFields {
  stage?: string;
  /** The workflow's stage-change counter at the time of this write (see 0004_stage_seq.sql, 0006_stage_seq_bigint.sql). */
  stage_seq?: number;
  accepted_at?: string;
  acceptance?: 'officer' | 'deemed';
  policy_version?: string;
  path?: string;
  decision?: string;
  decided_at?: string;
  deadline_at?: string | null;
  breached_at?: string;
}

const CASE_COLUMNS = new Set<keyof CaseFields>([
  'stage', 'accepted_at', 'acceptance', 'policy_version', 'path', 'decision', 'decided_at', 'deadline_at', 'breached_at',
]);

export interface IssuedCertificate {
  number: string;
  issuedOn: string;
  validUntil: string;
  supersedes?: string;
}

export function createCaseActivities(pool: Pool) {
  return {
    /**
     * The receipt, once. L07: for a `new` application, under a lock on (enterprise, province,
     * product), the open `new` application of the same product received before it, if any, is
     * recorded with it: of two filed together exactly one passes intake. A retry returns what the
     * first call recorded.
     */
    async recordReceipt(input: { application: ApplicationInput; receivedAt: string; eventKey: string }): Promise<{ pendingDuplicateOf?: string }> {
      const a = input.application;
      return inTransaction(pool, async (c) => {
        const key = { uscc: a.enterprise.uscc, province: a.province, product: a.product };
        if (a.type === 'new') await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`open-new|${key.uscc}|${key.province}|${key.product}`]);
        const inserted = await c.query(
          `INSERT INTO applications (id, province, uscc, enterprise_name, product, application_type, payload, received_at, stage)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received') ON CONFLICT (id) DO NOTHING`,
          [a.applicationId, a.province, a.enterprise.uscc, a.enterprise.name, a.product, a.type, a, input.receivedAt],
        );
        if (inserted.rowCount === 1 && a.type === 'new') {
          const other = await findOpenNewApplication(c, key, a.applicationId);
          if (other) await c.query('UPDATE applications SET pending_duplicate_of = $2 WHERE id = $1', [a.applicationId, other]);
        }
        await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: a.applicationId,
          action: 'received',
          actor: { id: a.enterprise.uscc, role: 'applicant' },
          occurredAt: input.receivedAt,
          details: { type: a.type, product: a.product, documents: a.documents.length },
        });
        const row = await c.query<{ pending_duplicate_of: string | null }>('SELECT pending_duplicate_of FROM applications WHERE id = $1', [a.applicationId]);
        const other = row.rows[0]?.pending_duplicate_of;
        return other ? { pendingDuplicateOf: other } : {};
      });
    },

    /**
     * A state change and its audit row, in one transaction; with `notice`, the written notice it
     * owes the applicant (L02) too, so the one is never on record without the other.
     */
    async recordTransition(input: AuditEntry & { set?: CaseFields; notice?: WrittenNotice }): Promise<void> {
      await inTransaction(pool, async (c) => {
        const fresh = await appendAudit(c, input);
        if (!fresh) return;
        const { stage, stage_seq: seq, ...rest } = input.set ?? {};
        const entries = Object.entries(rest).filter(([k]) => CASE_COLUMNS.has(k as keyof CaseFields));
        const params: unknown[] = [input.applicationId, ...entries.map(([, v]) => v)];
        const assignments = entries.map(([k], i) => `${k} = $${i + 2}`);
        if (stage !== undefined) {
          // An older stage never overwrites a newer one.
          params.push(seq ?? 0, stage);
          const n = params.length - 1;
          assignments.push(`stage = CASE WHEN $${n}::bigint >= stage_seq THEN $${n + 1} ELSE stage END`, `stage_seq = GREATEST(stage_seq, $${n}::bigint)`);
        }
        if (assignments.length) {
          const r = await c.query(`UPDATE applications SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1`, params);
          // Retryable at first: the receipt that creates the row may still be on its way. After the
          // grace attempts it is a case for ops (NotFound, activities/failures.ts).
          if (r.rowCount === 0) throw new NotFoundError(`application ${input.applicationId} is not recorded; ${input.action} cannot be written`);
        }
        // After the case row is known to exist (the notice refers to it).
        if (input.notice) await insertNotice(c, input.eventKey, input.applicationId, input.occurredAt, input.notice);
        // R06: acceptances and decisions go to e-CQS, in this transaction (outbox).
        await enqueueTransitionRecord(c, input);
      });
    },

    /**
     * L07, R05: assigns the next serial for (province, product code) and writes the electronic
     * certificate. A case gets exactly one certificate however often this runs.
     */
    async issueCertificate(input: { applicationId: string; eventKey: string; issuedAt: string; issuedOn: string; policyVersion: string; stageSeq?: number }): Promise<IssuedCertificate> {
      return inTransaction(pool, async (c) => {
        // Lock the case first: a retry running beside a slow first attempt waits here, then
        // sees the certificate the first one committed (READ COMMITTED reads anew per statement).
        const row = await c.query<{ payload: ApplicationInput }>('SELECT payload FROM applications WHERE id = $1 FOR UPDATE', [input.applicationId]);
        const app = row.rows[0]?.payload;
        if (!app) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no record`, 'MissingApplication');
        const existing = await c.query<{ number: string; issued_on: string; valid_until: string; supersedes: string | null }>(
          `SELECT number, to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until, supersedes
             FROM certificates WHERE application_id = $1`,
          [input.applicationId],
        );
        const found = existing.rows[0];
        if (found) return { number: found.number, issuedOn: found.issued_on, validUntil: found.valid_until, supersedes: found.supersedes ?? undefined };

        const product = PRODUCTS[app.product];
        const serial = await c.query<{ last_serial: number }>(
          `INSERT INTO certificate_serials (province, industry_code, product_code, last_serial) VALUES ($1, $2, $3, 1)
           ON CONFLICT (province, industry_code, product_code) DO UPDATE SET last_serial = certificate_serials.last_serial + 1
           RETURNING last_serial`,
          [app.province, product.industryCode, product.productCode],
        );
        const number = certificateNumber(app.province as ProvinceCode, app.product, serial.rows[0]!.last_serial);
        const until = validUntil(input.issuedOn, policyById(input.policyVersion).validityYears);
        const supersedes = app.type === 'new' ? undefined : app.currentCertificateNumber;
        await c.query(
          `INSERT INTO certificates (number, application_id, province, uscc, enterprise_name, enterprise_address, production_addresses,
                                     product, product_names, issued_on, valid_until, supersedes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                   (SELECT number FROM certificates WHERE number = $12))`,
          [number, app.applicationId, app.province, app.enterprise.uscc, app.enterprise.name, app.enterprise.registeredAddress,
           JSON.stringify(app.productionAddresses), app.product, JSON.stringify(app.productNames), input.issuedOn, until, supersedes ?? null],
        );
        // R05: the hash of what the certificate says, computed from the row as written.
        await stampCertificateContent(c, number);
        if (supersedes) {
          await c.query(
            `UPDATE certificates SET status = 'superseded', superseded_by = $1, status_changed_at = now() WHERE number = $2 AND status IN ('valid', 'deemed-renewed')`,
            [number, supersedes],
          );
        }
        await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: 'certificate-issued',
          occurredAt: input.issuedAt,
          details: { number, issuedOn: input.issuedOn, validUntil: until, supersedes },
        }, number);
        await c.query(
          `UPDATE applications SET stage = CASE WHEN $2::bigint >= stage_seq THEN 'issued' ELSE stage END, stage_seq = GREATEST(stage_seq, $2::bigint), updated_at = now() WHERE id = $1`,
          [input.applicationId, input.stageSeq ?? 0],
        );
        await enqueueCertificateEvent(c, { eventKey: input.eventKey, event: 'certificate-issued', certificateNumber: number, occurredAt: input.issuedAt });
        return { number, issuedOn: input.issuedOn, validUntil: until, supersedes };
      });
    },

    /**
     * R10, L06: why each verifier of an on-site verification team may not verify this enterprise
     * on `on`; empty when the team is fine. The follow-up's own register check (db/registers.ts),
     * read-only: the workflow records the verification only when this comes back empty.
     */
    async verificationTeamProblems(input: { verifierIds: string[]; uscc: string; on: string }): Promise<string[]> {
      return teamProblems(pool, input.verifierIds, input.uscc, input.on);
    },

    /** R04: the current status of a certificate issued in this system, or null when unknown. */
    async certificateStatus(input: { number: string }): Promise<string | null> {
      return certificateStatus(pool, input.number);
    },
  };
}

export type CaseActivities = ReturnType<typeof createCaseActivities>;
