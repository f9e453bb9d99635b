/**
 * Side effects of a licence's life: revocation with its ban and credit-publicity record (L04,
 * R12, L08), expiry, cancellation and deemed renewal (L05, R04), changes (变更), and the look-ups
 * the lifecycle and intake need (renewal filed, take-overs waiting, bans in force).
 *
 * Every write is idempotent: keyed by an event key from the workflow, or by the certificate
 * itself (one revocation, one ban per certificate), so a retried activity changes nothing twice.
 */
import type { Pool } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import type { NamedCertificate } from '../../domain/approval/named-certificate';
import { validUntil } from '../../domain/licence/certificate';
import type { LicenceStatus } from '../../domain/licence/messages';
import { type ActiveBan, banFor, type RevocationGround } from '../../domain/licence/revocation';
import type { ProductId } from '../../domain/policy';
import type { Actor } from '../../domain/roles';
import { shanghaiDate } from '../../domain/time';
import { appendAudit } from '../../db/audit';
import { findActiveBan } from '../../db/bans';
import { findHeldCertificate, findNamedCertificate, findWaitingTakeOvers, stampCertificateContent } from '../../db/certificates';
import { enqueueCertificateEvent } from '../../db/ecqs-outbox';
import { inTransaction } from '../../db/tx';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { recomputeGradesAfter } from '../supervision/risk-grades';

type ActorRef = Pick<Actor, 'id' | 'role'>;

export interface LicenceEventInput {
  eventKey: string;
  applicationId: string;
  certificateNumber: string;
  action: string;
  actor?: ActorRef;
  reason?: string;
  details?: Record<string, unknown>;
  occurredAt: string;
}

export interface RevocationInput {
  certificateNumber: string;
  ground: RevocationGround;
  reason: string;
  actor?: ActorRef;
  /** Which process decided it: the follow-up workflow id, or the lifecycle's revocation Update. */
  source: string;
  occurredAt: string;
}

export interface RevocationResult {
  /** false when the certificate had already been revoked (a retry, or the second of two paths). */
  revokedNow: boolean;
  status: LicenceStatus;
  ban?: ActiveBan;
}

export function createLicenceActivities(pool: Pool) {
  return {
    /**
     * L04, R12, L08: the certificate is revoked, the ban its ground carries is recorded, and a
     * credit-publicity record is queued, in one transaction. Keyed by the certificate: whichever
     * process revokes first does it; a second call returns what is on record.
     */
    async revokeCertificate(input: RevocationInput): Promise<RevocationResult> {
      const done = await inTransaction(pool, async (c) => {
        const row = await c.query<{ status: LicenceStatus; uscc: string; province: string; product: ProductId; enterprise_name: string; application_id: string | null }>(
          'SELECT status, uscc, province, product, enterprise_name, application_id FROM certificates WHERE number = $1 FOR UPDATE',
          [input.certificateNumber],
        );
        const cert = row.rows[0];
        if (!cert) throw ApplicationFailure.nonRetryable(`no certificate ${input.certificateNumber}`, 'MissingCertificate');
        const on = shanghaiDate(input.occurredAt);
        let revokedNow = false;
        if (cert.status !== 'revoked') {
          if (cert.status === 'cancelled' || cert.status === 'expired') {
            // Nothing left to revoke; the finding still goes on record (and may still carry a ban).
          } else {
            await c.query(`UPDATE certificates SET status = 'revoked', status_changed_at = now() WHERE number = $1`, [input.certificateNumber]);
            revokedNow = true;
            // R06: the revocation goes to e-CQS with the state change (outbox).
            await enqueueCertificateEvent(c, {
              eventKey: `revocation:${input.certificateNumber}`,
              event: 'certificate-revoked',
              certificateNumber: input.certificateNumber,
              occurredAt: input.occurredAt,
              actor: input.actor,
              reasons: [`${input.ground}: ${input.reason}`],
            });
          }
        }
        const rule = banFor(input.ground, cert.product);
        if (rule) {
          await c.query(
            `INSERT INTO bans (uscc, product, ground, rule, reason, starts_on, ends_on, certificate_no)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (certificate_no) DO NOTHING`,
            [cert.uscc, cert.product, input.ground, rule.rule, rule.why, on, validUntil(on, rule.years), input.certificateNumber],
          );
        }
        await c.query(
          `INSERT INTO credit_publicity (record_key, uscc, enterprise_name, certificate_no, product, kind, ground, rule, summary, decided_on)
           VALUES ($1, $2, $3, $4, $5, 'licence-revoked', $6, $7, $8, $9) ON CONFLICT (record_key) DO NOTHING`,
          [`revocation:${input.certificateNumber}`, cert.uscc, cert.enterprise_name, input.certificateNumber, cert.product, input.ground,
           rule?.rule ?? 'R12', `licence ${input.certificateNumber} revoked (${input.ground}): ${input.reason}`, on],
        );
        await appendAudit(c, {
          eventKey: `revocation:${input.certificateNumber}`,
          // An imported licence has no application here: its lifecycle id stands in, as in its lifecycle's own audit rows.
          applicationId: cert.application_id ?? lifecycleWorkflowId(input.certificateNumber),
          action: 'licence-revoked',
          actor: input.actor,
          reason: input.reason,
          details: { ground: input.ground, source: input.source, previousStatus: cert.status, ban: rule ? { years: rule.years, rule: rule.rule } : null },
          occurredAt: input.occurredAt,
        }, input.certificateNumber);
        const ban = rule ? await findActiveBan(c, cert.uscc, cert.product, on) : undefined;
        const now = await c.query<{ status: LicenceStatus }>('SELECT status FROM certificates WHERE number = $1', [input.certificateNumber]);
        return { result: { revokedNow, status: now.rows[0]!.status, ban }, uscc: cert.uscc, province: cert.province, on };
      });
      // R17: the revocation and its ban raise the grade now, not at the nightly pass (a retry recomputes again, harmlessly).
      // As of the later of the decision's day and today: the status change is stamped now(), and a fact after asOf is not counted.
      const asOf = [done.on, shanghaiDate(Date.now())].sort().at(-1)!;
      await recomputeGradesAfter(pool, done.uscc, asOf, `revocation: certificate ${input.certificateNumber} (${input.ground})`, [done.province]);
      return done.result;
    },

    /**
     * L05, R04: expiry, cancellation (注销) or deemed renewal. Only an active certificate
     * (valid or deemed-renewed) changes; returns the status on record afterwards.
     */
    async setCertificateStatus(input: LicenceEventInput & { status: 'expired' | 'cancelled' | 'deemed-renewed'; deemedRenewedUntil?: string }): Promise<{ status: LicenceStatus }> {
      return inTransaction(pool, async (c) => {
        const fresh = await appendAudit(c, input, input.certificateNumber);
        if (fresh) {
          await c.query(
            `UPDATE certificates SET status = $2, status_changed_at = now(), deemed_renewed_until = COALESCE($3, deemed_renewed_until)
              WHERE number = $1 AND status IN ('valid', 'deemed-renewed')`,
            [input.certificateNumber, input.status, input.deemedRenewedUntil ?? null],
          );
          if (input.status === 'cancelled') {
            // R06: a cancellation (注销) goes to e-CQS with the state change (outbox).
            await enqueueCertificateEvent(c, {
              eventKey: input.eventKey,
              event: 'certificate-cancelled',
              certificateNumber: input.certificateNumber,
              occurredAt: input.occurredAt,
              actor: input.actor,
              reasons: input.reason ? [input.reason] : undefined,
            });
          }
        }
        const r = await c.query<{ status: LicenceStatus }>('SELECT status FROM certificates WHERE number = $1', [input.certificateNumber]);
        if (!r.rows[0]) throw ApplicationFailure.nonRetryable(`no certificate ${input.certificateNumber}`, 'MissingCertificate');
        return { status: r.rows[0].status };
      });
    },

    /** 变更: a new enterprise name or address on the certificate (a new electronic version, L07), old and new values in the audit trail. */
    async changeCertificateParticulars(input: LicenceEventInput & { enterpriseName?: string; enterpriseAddress?: string }): Promise<void> {
      await inTransaction(pool, async (c) => {
        const before = await c.query<{ enterprise_name: string; enterprise_address: string }>(
          'SELECT enterprise_name, enterprise_address FROM certificates WHERE number = $1 FOR UPDATE',
          [input.certificateNumber],
        );
        const old = before.rows[0];
        if (!old) throw ApplicationFailure.nonRetryable(`no certificate ${input.certificateNumber}`, 'MissingCertificate');
        const fresh = await appendAudit(c, {
          ...input,
          details: {
            ...input.details,
            before: { enterpriseName: old.enterprise_name, enterpriseAddress: old.enterprise_address },
            after: { enterpriseName: input.enterpriseName ?? old.enterprise_name, enterpriseAddress: input.enterpriseAddress ?? old.enterprise_address },
          },
        }, input.certificateNumber);
        if (!fresh) return;
        // L07: what the certificate shows changed, so a new electronic version is issued (same number).
        const v = await c.query<{ version: number }>(
          `UPDATE certificates SET enterprise_name = COALESCE($2, enterprise_name), enterprise_address = COALESCE($3, enterprise_address),
                  version = version + 1, version_issued_on = $4 WHERE number = $1 RETURNING version`,
          [input.certificateNumber, input.enterpriseName ?? null, input.enterpriseAddress ?? null, shanghaiDate(input.occurredAt)],
        );
        // R05: the certificate now says something else, so its content hash changes with it.
        await stampCertificateContent(c, input.certificateNumber);
        // R06: a change (变更) goes to e-CQS with the state change (outbox).
        await enqueueCertificateEvent(c, {
          eventKey: input.eventKey,
          event: 'certificate-changed',
          certificateNumber: input.certificateNumber,
          occurredAt: input.occurredAt,
          actor: input.actor,
          changes: { enterpriseName: input.enterpriseName, enterpriseAddress: input.enterpriseAddress, version: v.rows[0]!.version },
        });
      });
    },

    /** An audit row about a licence (reminders, hand-overs, ignored messages). */
    async recordLicenceEvent(input: LicenceEventInput): Promise<void> {
      await inTransaction(pool, (c) => appendAudit(c, input, input.certificateNumber));
    },

    /**
     * L05: the renewal application filed for a certificate, if any (the newest). Only the holder's
     * own renewals count (same enterprise, province and product as the certificate), and not one
     * refused at receipt (不予受理): another enterprise naming this number, or a filing refused as
     * too early, must never cost the holder its deemed renewal or its reminder.
     */
    async findRenewal(input: { certificateNumber: string }): Promise<{ applicationId: string; receivedAt: string; decision: string | null; stage: string } | null> {
      const r = await pool.query<{ id: string; received_at: Date; decision: string | null; stage: string }>(
        `SELECT a.id, a.received_at, a.decision, a.stage
           FROM applications a JOIN certificates c ON c.number = $1
          WHERE a.application_type = 'renewal' AND a.payload->>'currentCertificateNumber' = $1
            AND a.uscc = c.uscc AND a.province = c.province AND a.product = c.product
            AND a.decision IS DISTINCT FROM 'rejected-at-intake'
          ORDER BY a.received_at DESC LIMIT 1`,
        [input.certificateNumber],
      );
      const a = r.rows[0];
      return a ? { applicationId: a.id, receivedAt: a.received_at.toISOString(), decision: a.decision, stage: a.stage } : null;
    },

    /** R04: undecided take-overs waiting for this certificate to end. */
    async waitingTakeOvers(input: { certificateNumber: string }): Promise<string[]> {
      return findWaitingTakeOvers(pool, input.certificateNumber);
    },

    /** R08, L05, L07 for intake: the certificate a renewal or change names, or null when none is on record. */
    async namedCertificate(input: { number: string }): Promise<NamedCertificate | null> {
      return (await findNamedCertificate(pool, input.number)) ?? null;
    },

    /** L07 for intake: the certificate in force the enterprise holds for this product in this province, or null. */
    async heldCertificate(input: { uscc: string; province: string; product: ProductId }): Promise<NamedCertificate | null> {
      return (await findHeldCertificate(pool, input.uscc, input.province, input.product)) ?? null;
    },

    /** L04, L08 for intake: the ban in force for (enterprise, product) on a civil date, or null. */
    async activeBan(input: { uscc: string; product: ProductId; on: string }): Promise<ActiveBan | null> {
      return (await findActiveBan(pool, input.uscc, input.product, input.on)) ?? null;
    },
  };
}

export type LicenceActivities = ReturnType<typeof createLicenceActivities>;
