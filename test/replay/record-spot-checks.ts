/**
 * Recorder scenarios for the R15 shapes: a spot-check round (which starts its spot check); a spot
 * check passed at once;
 * a failing result whose objection window lapses, the order, and the follow-up's re-check that
 * revokes; an objection in time and the re-test that passes. Run by record.ts with its server,
 * worker and database. Their ids all hold a `/`.
 *
 * The spot checks here are started directly with the input the round gives them: on the
 * time-skipping test server, Updates to a child whose parent has closed are lost ("update … not
 * found"); the dev server (test/integration/spot-check-api.test.ts) takes them.
 */
import type { Pool } from 'pg';
import { upsertLaboratory } from '../../db/laboratories';
import { upsertVerifier } from '../../db/registers';
import { insertRound } from '../../db/spot-checks';
import { assignTeamUpdate, recordInspectionUpdate } from '../../domain/supervision/follow-up';
import {
  assignLaboratoryUpdate,
  objectToResultUpdate,
  recordSamplingUpdate,
  recordTestResultUpdate,
  spotCheckIdOf,
  spotCheckStatusQuery,
  spotCheckWorkflowId,
  spotRoundWorkflowId,
} from '../../domain/supervision/spot-check';
import { spotCheck } from '../../workflows/supervision/spot-check';
import { spotCheckRound } from '../../workflows/supervision/spot-round';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { poller, type TimeSkippingCtx } from '../helpers/time-skipping';
import type { Scenario } from './record-supervision';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OPS = { id: 'ops-1', role: 'ops' as const };
const SUP = { id: 'sup-hist', role: 'supervisor' as const, province: 'SD' as const };
const eventually = poller({ retryErrors: true });

export function spotCheckScenarios(opts: { id: (scenario: string) => string; taskQueue: string; pool: () => Pool }): Record<string, Scenario> {
  const { taskQueue } = opts;

  /** A licensee of SD, two laboratories, its spot check started, sampled and its first test assigned. */
  async function sampled(ctx: TimeSkippingCtx, scenario: string) {
    const uscc = freshUscc();
    const certificate = `SD-${opts.id(scenario)}`;
    await seedLicences(opts.pool(), [{ number: certificate, uscc, province: 'SD' }]);
    for (const lab of ['LAB-HIST-1', 'LAB-HIST-2']) await upsertLaboratory(opts.pool(), { id: lab, name: lab, province: 'SD' }, OPS);
    const roundId = opts.id(scenario);
    const spotCheckId = spotCheckIdOf(roundId, uscc);
    const h = await ctx.env.client.workflow.start(spotCheck, {
      taskQueue,
      workflowId: spotCheckWorkflowId(spotCheckId),
      args: [{ spotCheckId, roundId, province: 'SD', product: 'broadcast-equipment', uscc }],
    });
    await eventually(() => h.query(spotCheckStatusQuery), (s) => s.stage === 'sampling');
    await h.executeUpdate(recordSamplingUpdate, { args: [{ actor: SUP, sampleId: 'S-HIST', quantity: 2, unit: 'pcs', sealed: true, sampledBy: ['I-1', 'I-2'] }] });
    await h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: SUP, laboratoryId: 'LAB-HIST-1' }] });
    return { h, uscc, certificate };
  }
  const applicant = (uscc: string) => ({ id: `ent-${uscc}`, role: 'applicant' as const, uscc });

  return {
    async 'spot-round'(_start, _sleep, ctx) {
      // A named round: draws (grades) its enterprises, starts their spot checks, ends.
      const usccs = [freshUscc(), freshUscc()];
      await seedLicences(opts.pool(), usccs.map((uscc, i) => ({ number: `SD-${opts.id('spot-round')}-${i}`, uscc, province: 'SD' })));
      const roundId = opts.id('spot-round');
      await insertRound(opts.pool(), { id: roundId, province: 'SD', product: 'broadcast-equipment', mode: 'named', named: usccs, plannedBy: SUP.id });
      const round = await ctx.env.client.workflow.start(spotCheckRound, { taskQueue, workflowId: spotRoundWorkflowId(roundId), args: [{ roundId, province: 'SD' }] });
      await round.result();
      return [round];
    },
    async 'spot-check-passed'(_start, _sleep, ctx) {
      const { h } = await sampled(ctx, 'spot-check-passed');
      await h.executeUpdate(recordTestResultUpdate, { args: [{ actor: SUP, outcome: 'pass' }] });
      await h.result();
      return [h];
    },
    async 'spot-check-order'(_start, _sleep, ctx) {
      // A failing result, no objection: published, the order, the follow-up's re-check fails and revokes.
      const { h } = await sampled(ctx, 'spot-check-order');
      const failed = await h.executeUpdate(recordTestResultUpdate, { args: [{ actor: SUP, outcome: 'fail', findings: 'below the standard' }] });
      await ctx.sleepUntil(Date.parse(failed.objection!.deadlineAt) + 10 * HOUR);
      const ordered = await eventually(() => h.query(spotCheckStatusQuery), (s) => (s.order?.rectifications.length ?? 0) > 0);
      const fu = ctx.env.client.workflow.getHandle(ordered.order!.rectifications[0]!.workflowId);
      const team = ['V-HIST-SC-1', 'V-HIST-SC-2'];
      for (const v of team) await upsertVerifier(opts.pool(), { id: v, name: v, certifiedBy: 'SD', certifiedOn: '2020-01-01', certifiedUntil: '2099-12-31' });
      await ctx.sleepUntil((await ctx.now()) + DAY);
      await fu.executeUpdate(assignTeamUpdate, { args: [{ actor: SUP, verifierIds: team }] });
      await fu.executeUpdate(recordInspectionUpdate, { args: [{ actor: SUP, outcome: 'failed', verifierIds: team, findings: 'not rectified' }] });
      await h.result();
      return [h, fu];
    },
    async 'spot-check-retest'(_start, _sleep, ctx) {
      // A failing result, an objection in time, the re-test by the other laboratory passes.
      const { h, uscc } = await sampled(ctx, 'spot-check-retest');
      await h.executeUpdate(recordTestResultUpdate, { args: [{ actor: SUP, outcome: 'fail', findings: 'below the standard' }] });
      await ctx.sleepUntil((await ctx.now()) + 3 * DAY);
      await h.executeUpdate(objectToResultUpdate, { args: [{ actor: applicant(uscc), reason: 'sample damaged' }] });
      await h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: SUP, laboratoryId: 'LAB-HIST-2' }] });
      await h.executeUpdate(recordTestResultUpdate, { args: [{ actor: SUP, outcome: 'pass' }] });
      await h.result();
      return [h];
    },
  };
}
