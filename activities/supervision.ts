/**
 * Side effects after issuance: the verifier registry (R10), team assignment (L06), inspection
 * results, revocation with its ban and credit-publicity record (L04, R12, L08), certificate
 * status changes (L05, R04) and the ban look-up intake uses.
 *
 * Every write is idempotent: keyed by an event key from the workflow, or by the certificate
 * itself (one revocation, one ban per certificate), so a retried activity changes nothing twice.
 */
import type { Pool, PoolClient } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { validUntil } from '../domain/certificate';
import type { ProductId } from '../domain/policy';
import type { Actor } from '../domain/roles';
import {
  type ActiveBan,
  banFor,
  type InspectionOutcome,
  type LicenceStatus,
  type RevocationGround,
  verifierProblem,
  type VerifierRecord,
} from '../domain/supervision';
import { shanghaiDate } from '../domain/time';
import { appendAudit } from './cases';
import { inTransaction } from './db';
import { enqueueCertificateEvent } from './ecqs';

type ActorRef = Pick<Actor, 'id' | 'role'>;

// ---- plain functions (API, admin scripts, tests) ---------------------------------------------

/** L04, L08: the ban in force for this enterprise and product on a civil date, if any. */
export async function findActiveBan(pool: Pool | PoolClient, uscc: string, product: ProductId, date: string): Promise<ActiveBan | undefined> {
  const r = await pool.query<{
    id: string;
    uscc: string;
    product: ProductId;
    ground: RevocationGround;
    rule: string;
    starts_on: string;
    ends_on: string;
    certificate_no: string | null;
    reason: string;
  }>(
    `SELECT id, uscc, product, ground, rule, reason, certificate_no,
            to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on
       FROM bans WHERE uscc = $1 AND product = $2 AND starts_on <= $3::date AND ends_on >= $3::date
      ORDER BY ends_on DESC LIMIT 1`,
    [uscc, product, date],
  );
  const b = r.rows[0];
  if (!b) return undefined;
  return {
    id: Number(b.id),
    uscc: b.uscc,
    product: b.product,
    ground: b.ground,
    rule: b.rule,
    startsOn: b.starts_on,
    endsOn: b.ends_on,
    certificateNumber: b.certificate_no,
    reason: b.reason,
  };
}

/** R10: adds or updates a verifier's certification (the province's training and assessment record). */
/** R04: undecided take-over cases (acquisition, merger, …) that name this certificate as their predecessor. */
export async function findWaitingTakeOvers(pool: Pool | PoolClient, certificateNumber: string): Promise<string[]> {
  const r = await pool.query<{ id: string }>(
    `SELECT id FROM applications WHERE payload->'predecessor'->>'certificateNumber' = $1 AND decision IS NULL ORDER BY received_at`,
    [certificateNumber],
  );
  return r.rows.map((x) => x.id);
}

export async function upsertVerifier(pool: Pool, v: VerifierRecord): Promise<void> {
  await pool.query(
    `INSERT INTO verifiers (id, name, certified_by, certified_on, certified_until, suspended) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, certified_by = EXCLUDED.certified_by, certified_on = EXCLUDED.certified_on,
       certified_until = EXCLUDED.certified_until, suspended = EXCLUDED.suspended, updated_at = now()`,
    [v.id, v.name, v.certifiedBy, v.certifiedOn, v.certifiedUntil, v.suspended ?? false],
  );
}

/** Records that a verifier may not inspect an enterprise. */
export async function recordConflict(pool: Pool, verifierId: string, uscc: string, reason: string): Promise<void> {
  await pool.query(
    `INSERT INTO verifier_conflicts (verifier_id, uscc, reason) VALUES ($1, $2, $3) ON CONFLICT (verifier_id, uscc) DO UPDATE SET reason = EXCLUDED.reason`,
    [verifierId, uscc, reason],
  );
}

/** R10, L06: why each verifier may not inspect this enterprise on `on`; empty when the team is fine. */
export async function teamProblems(c: Pool | PoolClient, verifierIds: string[], uscc: string, on: string): Promise<string[]> {
  const rows = await c.query<{ id: string; name: string; certified_by: string; certified_on: string; certified_until: string; suspended: boolean; conflicted: boolean }>(
    `SELECT v.id, v.name, v.certified_by, to_char(v.certified_on, 'YYYY-MM-DD') AS certified_on,
            to_char(v.certified_until, 'YYYY-MM-DD') AS certified_until, v.suspended,
            EXISTS (SELECT 1 FROM verifier_conflicts k WHERE k.verifier_id = v.id AND k.uscc = $2) AS conflicted
       FROM verifiers v WHERE v.id = ANY($1::text[])`,
    [verifierIds, uscc],
  );
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  const problems: string[] = [];
  for (const id of verifierIds) {
    const r = byId.get(id);
    const rec: VerifierRecord | undefined = r && {
      id: r.id,
      name: r.name,
      certifiedBy: r.certified_by,
      certifiedOn: r.certified_on,
      certifiedUntil: r.certified_until,
      suspended: r.suspended,
    };
    const p = verifierProblem(rec, id, on, r?.conflicted ?? false);
    if (p) problems.push(p);
  }
  return problems;
}

// ---- activities -----------------------------------------------------------------------------------

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

export function createSupervisionActivities(pool: Pool) {
  return {
    /** R10, L06: checks the registry and, when the team is fine and `record` is set, records the assignment. */
    async assignTeam(input: {
      eventKey: string;
      workflowId: string;
      applicationId: string;
      certificateNumber: string;
      uscc: string;
      round: number;
      verifierIds: string[];
      actor: ActorRef;
      at: string;
      record: boolean;
    }): Promise<{ ok: true } | { ok: false; problems: string[] }> {
      return inTransaction(pool, async (c) => {
        const problems = await teamProblems(c, input.verifierIds, input.uscc, shanghaiDate(input.at));
        if (problems.length) {
          // The refusal is part of the record too: who proposed whom, and why it was refused.
          await appendAudit(c, {
            eventKey: `${input.eventKey}:refused`,
            applicationId: input.applicationId,
            action: 'inspection-team-refused',
            actor: input.actor,
            reason: problems.join('; '),
            details: { verifierIds: input.verifierIds, round: input.round },
            occurredAt: input.at,
          }, input.certificateNumber);
          return { ok: false as const, problems };
        }
        if (!input.record) return { ok: true as const };
        const fresh = await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: 'inspection-team-assigned',
          actor: input.actor,
          details: { verifierIds: input.verifierIds, round: input.round },
          occurredAt: input.at,
        }, input.certificateNumber);
        if (fresh) {
          await c.query(
            `INSERT INTO inspection_teams (event_key, workflow_id, application_id, certificate_no, round, verifier_ids, assigned_by, assigned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_key) DO NOTHING`,
            [input.eventKey, input.workflowId, input.applicationId, input.certificateNumber, input.round, JSON.stringify(input.verifierIds), input.actor.id, input.at],
          );
        }
        return { ok: true as const };
      });
    },

    /** An inspection result (first round or re-inspection) and its audit row. */
    async recordInspectionResult(input: {
      eventKey: string;
      workflowId: string;
      applicationId: string;
      certificateNumber: string;
      kind: string;
      round: number;
      outcome: InspectionOutcome;
      verifierIds: string[];
      findings?: string;
      rectifyBy?: string;
      inTime: boolean;
      dueAt: string;
      actor: ActorRef;
      occurredAt: string;
    }): Promise<void> {
      await inTransaction(pool, async (c) => {
        const fresh = await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: `follow-up-${input.outcome}`,
          actor: input.actor,
          reason: input.findings,
          details: { kind: input.kind, round: input.round, verifierIds: input.verifierIds, rectifyBy: input.rectifyBy, dueAt: input.dueAt, inTime: input.inTime },
          occurredAt: input.occurredAt,
        }, input.certificateNumber);
        if (!fresh) return;
        await c.query(
          `INSERT INTO follow_up_inspections (event_key, workflow_id, application_id, certificate_no, kind, round, outcome, verifier_ids, findings, rectify_by, in_time, recorded_by, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (event_key) DO NOTHING`,
          [input.eventKey, input.workflowId, input.applicationId, input.certificateNumber, input.kind, input.round, input.outcome,
           JSON.stringify(input.verifierIds), input.findings ?? null, input.rectifyBy ?? null, input.inTime, input.actor.id, input.occurredAt],
        );
      });
    },

    /**
     * L04, R12, L08: the certificate is revoked, the ban its ground carries is recorded, and a
     * credit-publicity record is queued, in one transaction. Keyed by the certificate: whichever
     * process revokes first does it; a second call returns what is on record.
     */
    async revokeCertificate(input: RevocationInput): Promise<RevocationResult> {
      return inTransaction(pool, async (c) => {
        const row = await c.query<{ status: LicenceStatus; uscc: string; product: ProductId; enterprise_name: string; application_id: string }>(
          'SELECT status, uscc, product, enterprise_name, application_id FROM certificates WHERE number = $1 FOR UPDATE',
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
          applicationId: cert.application_id,
          action: 'licence-revoked',
          actor: input.actor,
          reason: input.reason,
          details: { ground: input.ground, source: input.source, previousStatus: cert.status, ban: rule ? { years: rule.years, rule: rule.rule } : null },
          occurredAt: input.occurredAt,
        }, input.certificateNumber);
        const ban = rule ? await findActiveBan(c, cert.uscc, cert.product, on) : undefined;
        const now = await c.query<{ status: LicenceStatus }>('SELECT status FROM certificates WHERE number = $1', [input.certificateNumber]);
        return { revokedNow, status: now.rows[0]!.status, ban };
      });
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

    /** 变更: a new enterprise name or address on the certificate, old and new values in the audit trail. */
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
        await c.query(
          `UPDATE certificates SET enterprise_name = COALESCE($2, enterprise_name), enterprise_address = COALESCE($3, enterprise_address) WHERE number = $1`,
          [input.certificateNumber, input.enterpriseName ?? null, input.enterpriseAddress ?? null],
        );
        // R06: a change (变更) goes to e-CQS with the state change (outbox).
        await enqueueCertificateEvent(c, {
          eventKey: input.eventKey,
          event: 'certificate-changed',
          certificateNumber: input.certificateNumber,
          occurredAt: input.occurredAt,
          actor: input.actor,
          changes: { enterpriseName: input.enterpriseName, enterpriseAddress: input.enterpriseAddress },
        });
      });
    },

    /** An audit row about a licence (reminders, hand-overs, ignored messages). */
    async recordLicenceEvent(input: LicenceEventInput): Promise<void> {
      await inTransaction(pool, (c) => appendAudit(c, input, input.certificateNumber));
    },

    /** L05: the renewal application filed for a certificate, if any (the newest). */
    async findRenewal(input: { certificateNumber: string }): Promise<{ applicationId: string; receivedAt: string; decision: string | null; stage: string } | null> {
      const r = await pool.query<{ id: string; received_at: Date; decision: string | null; stage: string }>(
        `SELECT id, received_at, decision, stage FROM applications
          WHERE application_type = 'renewal' AND payload->>'currentCertificateNumber' = $1
          ORDER BY received_at DESC LIMIT 1`,
        [input.certificateNumber],
      );
      const a = r.rows[0];
      return a ? { applicationId: a.id, receivedAt: a.received_at.toISOString(), decision: a.decision, stage: a.stage } : null;
    },

    /** L04, L08 for intake: the ban in force for (enterprise, product) on a civil date, or null. */
    async waitingTakeOvers(input: { certificateNumber: string }): Promise<string[]> {
      return findWaitingTakeOvers(pool, input.certificateNumber);
    },

    async activeBan(input: { uscc: string; product: ProductId; on: string }): Promise<ActiveBan | null> {
      return (await findActiveBan(pool, input.uscc, input.product, input.on)) ?? null;
    },
  };
}

export type SupervisionActivities = ReturnType<typeof createSupervisionActivities>;
