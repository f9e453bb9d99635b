/**
 * R13 and R18: the database side of flight inspections and of risk-report triage. A flight's team
 * is drawn like a routine inspection's (R11: domain/supervision/draw.ts, the same pool of inspectors and certified verifiers, size
 * from the risk policy, not suspended, not conflicted, not on the enterprise's last team). A failing
 * result is an R17 fact (the grade is recomputed) and an R14 signal ('inspection-finding').
 */
import type { Pool } from 'pg';
import { drawTeam } from '../../domain/supervision/draw';
import type { FlightInput, FlightOutcome } from '../../domain/supervision/flight';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { shanghaiDate } from '../../domain/time';
import type { ReportStatus } from '../../domain/supervision/risk-report';
import { drawableInspectors, lastTeams } from '../../db/inspection-batches';
import { insertSupervisionFact } from '../../db/risk-grades';
import { findFlight, insertFlight, lastFlightTeam, recordTriage, setFlightTeam, setTriageDue } from '../../db/risk-reports';
import { appendSupervisionAudit } from '../../db/supervision-audit';
import { inTransaction } from '../../db/tx';
import { NotFoundError } from '../failures';
import { type GradeChange, recomputeGrade } from './risk-grades';

export function createFlightActivities(pool: Pool) {
  return {
    /** R13: the flight's record (once per id); the seed of its team draw is its id. */
    async openFlight(input: FlightInput): Promise<void> {
      await insertFlight(pool, {
        id: input.flightId,
        province: input.province,
        uscc: input.uscc,
        leadKind: input.lead.kind,
        leadRef: input.lead.ref,
        summary: input.summary,
        orderedBy: input.orderedBy.id,
        orderedRole: input.orderedBy.role,
        orderedAt: input.orderedAt,
        dueOn: input.dueOn,
        seed: `flight|${input.flightId}`,
      });
    },

    /** R11's team draw for one flight; a team once drawn is kept. No team: the reason, for the supervisor. */
    async staffFlight(input: { flightId: string }): Promise<{ ok: true; team: string[] } | { ok: false; reason: string }> {
      const f = await findFlight(pool, input.flightId);
      if (!f) throw new NotFoundError(`flight inspection ${input.flightId} is not on record`);
      if (f.team) return { ok: true, team: f.team };
      // The same pool as a routine batch (R11, R10): inspectors and the verifiers the province certified for the whole visit window.
      const inspectors = await drawableInspectors(pool, f.province, { from: shanghaiDate(Date.parse(f.orderedAt)), to: f.dueOn });
      const routine = (await lastTeams(pool, f.province, '', [f.uscc])).get(f.uscc) ?? [];
      const lastTeam = [...new Set([...routine, ...(await lastFlightTeam(pool, f.province, f.uscc, f.id))])];
      const d = drawTeam({ seed: f.seed, province: f.province, uscc: f.uscc, inspectors, lastTeam, size: riskPolicyInForce(f.orderedAt.slice(0, 10)).teamSize });
      await setFlightTeam(pool, f.id, d.ok ? d.team : null, d.ok ? null : d.reason);
      if (!d.ok) return { ok: false, reason: d.reason };
      return { ok: true, team: (await findFlight(pool, f.id))!.team! };
    },

    /** R13, R17: the result, once; a failing one is a `failed-inspection` fact and the grade is recomputed. */
    async recordFlightResult(input: {
      flightId: string;
      province: string;
      uscc: string;
      outcome: FlightOutcome;
      findings?: string;
      ground?: string;
      by: string;
      at: string;
      inspectedOn: string;
    }): Promise<{ grade?: GradeChange }> {
      await inTransaction(pool, async (c) => {
        await c.query(
          `UPDATE flight_inspections SET outcome = $2, findings = $3, ground = $4, result_by = $5, result_at = $6, inspected_on = $7 WHERE id = $1 AND outcome IS NULL`,
          [input.flightId, input.outcome, input.findings ?? null, input.ground ?? null, input.by, input.at, input.inspectedOn],
        );
        if (input.outcome !== 'pass') {
          await insertSupervisionFact(c, {
            factKey: `flight|${input.flightId}`,
            uscc: input.uscc,
            province: input.province,
            kind: 'failed-inspection',
            on: input.inspectedOn,
            ref: `flight inspection ${input.flightId} (${input.outcome})`,
            details: { findings: input.findings ?? null, ground: input.ground ?? null },
          });
        }
        await appendSupervisionAudit(c, {
          eventKey: `flight|${input.flightId}|result`,
          action: 'flight-result-recorded',
          actor: { id: input.by, role: 'inspector' },
          details: { flightId: input.flightId, uscc: input.uscc, outcome: input.outcome },
          occurredAt: input.at,
        });
      });
      if (input.outcome === 'pass') return {};
      return { grade: await recomputeGrade(pool, input.uscc, input.province, input.inspectedOn, `failed-inspection: flight inspection ${input.flightId}`) };
    },

    /** R18: the triage clock's limit, for the submitter's and the province's views. */
    async setReportTriageDue(input: { ref: string; dueAt: string }): Promise<void> {
      await setTriageDue(pool, input.ref, input.dueAt);
    },

    /** R18: the triage decision on the report's record (what its submitter reads) and in the audit trail, once. */
    async recordTriageDecision(input: { ref: string; status: ReportStatus; reason: string; by: string; at: string; signalKey?: string; flightId?: string }): Promise<void> {
      await inTransaction(pool, async (c) => {
        await recordTriage(c, input);
        await appendSupervisionAudit(c, {
          eventKey: `risk-report|${input.ref}|triage`,
          action: 'risk-report-triaged',
          actor: { id: input.by, role: 'supervisor' },
          reason: input.reason,
          details: { ref: input.ref, status: input.status, ...(input.signalKey ? { signalKey: input.signalKey } : {}), ...(input.flightId ? { flightId: input.flightId } : {}) },
          occurredAt: input.at,
        });
      });
    },
  };
}

export type FlightActivities = ReturnType<typeof createFlightActivities>;
