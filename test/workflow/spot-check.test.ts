/**
 * R15 on the real time-skipping server with real activities and PostgreSQL: a spot-check round
 * starts one spot check per enterprise; sampling, a laboratory from the register (never the
 * enterprise's own), the result; the objection window of 15 days from the day after receipt (a
 * last day on a weekend moves to Monday); the re-test by a different laboratory decides; a final
 * failure is published, raises the grade (R17 fact, R14 signal) and becomes an order to stop
 * production and sale that the follow-up workflow's rectification path re-checks (revocation
 * with the L08 ban when the re-check fails).
 */
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { findCertificateForCheck } from '../../db/certificates';
import { recordLaboratoryLink, upsertLaboratory } from '../../db/laboratories';
import { upsertVerifier } from '../../db/registers';
import { findRiskGrade } from '../../db/risk-grades';
import { findRound, findSpotCheck, insertRound, storeRoundDraw } from '../../db/spot-checks';
import { certificateStatusText } from '../../domain/licence/certificate';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { SA } from '../../domain/search-attributes';
import { assignTeamUpdate, recordInspectionUpdate } from '../../domain/supervision/follow-up';
import {
  assignLaboratoryUpdate,
  objectToResultUpdate,
  recordSamplingUpdate,
  recordTestResultUpdate,
  spotCheckIdOf,
  type SpotCheckStatus,
  spotCheckStatusQuery,
  spotCheckWorkflowId,
  spotRoundWorkflowId,
} from '../../domain/supervision/spot-check';
import type { followUpInspection } from '../../workflows/supervision/follow-up';
import { spotCheck } from '../../workflows/supervision/spot-check';
import { spotCheckRound } from '../../workflows/supervision/spot-round';
import { createActivities } from '../../activities';
import { freshUscc } from '../helpers/fixtures';
import { Gate, gateActivity } from '../helpers/gate';
import { seedLicences } from '../helpers/licensees';
import { poller, refusal, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';
import { addCalendarDays } from '../../domain/time';
import { currentCalendar } from '../../infra/calendar';

const TASK_QUEUE = 'test-spot-check';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ retryErrors: true });
const OPS = { id: 'ops-1', role: 'ops' as const };
const hex = () => randomBytes(3).toString('hex');
const at = (date: string, time = '10:00') => Date.parse(`${date}T${time}:00+08:00`);

/**
 * The receipt day of the tests below: a day still ahead (the time-skipping server starts at
 * today), a week at a time from Tuesday 8 December 2026, whose days 15 and 16 (the objection
 * period's last day, the day after) and 76 (the order's 60-day limit) are working days, so that
 * no rest day moves the dates they read.
 */
function receiptDay(): string {
  const cal = currentCalendar();
  let d = '2026-12-08';
  while (at(d) < Date.now() + 6 * 3_600_000 || ![15, 16, 76].every((n) => cal.isWorkingDay(addCalendarDays(d, n)))) d = addCalendarDays(d, 7);
  return d;
}

interface Setup {
  h: WorkflowHandle<typeof spotCheck>;
  id: string;
  uscc: string;
  certificate: string;
  province: 'SD';
  sup: { id: string; role: 'supervisor'; province: 'SD' };
  labs: { ok1: string; own: string; ok2: string };
}

/**
 * A licensee, three laboratories (one owned by it), its spot check started with the input its
 * round gives it (the round itself: the first test), sampled at `sampledAt`. Started directly: on
 * the time-skipping test server, Updates to a child whose parent has closed are lost ("update …
 * not found"); the dev server takes them (test/integration/spot-check-api.test.ts).
 */
async function setUp({ env, sleepUntil }: TimeSkippingCtx, sampledAt: number): Promise<Setup> {
  const province = 'SD' as const;
  const uscc = freshUscc();
  const certificate = `SD-${hex()}`;
  await seedLicences(suite.db.pool, [{ number: certificate, uscc, province }]);
  const labs = { ok1: `LAB-${hex()}`, own: `LAB-${hex()}`, ok2: `LAB-${hex()}` };
  for (const l of Object.values(labs)) await upsertLaboratory(suite.db.pool, { id: l, name: `检验所 ${l}`, province }, OPS);
  await recordLaboratoryLink(suite.db.pool, labs.own, { uscc, relation: 'owned-by', reason: 'subsidiary of the enterprise' }, OPS);
  const roundId = `SR-${hex()}`;
  await insertRound(suite.db.pool, { id: roundId, province, product: 'broadcast-equipment', mode: 'named', named: [uscc], plannedBy: 'sup-sd' });
  const chosen = [{ uscc, grade: 'A' as const }];
  await storeRoundDraw(suite.db.pool, (await findRound(suite.db.pool, roundId))!, { algorithm: 'named', policyId: 'risk-2022-01-01', population: chosen, byGrade: null, selected: chosen }, (u) => spotCheckIdOf(roundId, u));
  const id = spotCheckIdOf(roundId, uscc);
  const h = await env.client.workflow.start(spotCheck, { taskQueue: TASK_QUEUE, workflowId: spotCheckWorkflowId(id), args: [{ spotCheckId: id, roundId, province, product: 'broadcast-equipment', uscc }] });
  await eventually(() => h.query(spotCheckStatusQuery), (s) => s.stage === 'sampling');
  const sup = { id: 'sup-sd', role: 'supervisor' as const, province };
  const unsealed = await refusal(h.executeUpdate(recordSamplingUpdate, { args: [{ actor: sup, sampleId: 'S-1', quantity: 3, unit: 'pcs', sealed: false, sampledBy: ['I-1', 'I-2'] }] }));
  expect(unsealed).toMatchObject({ type: 'invalid', message: expect.stringMatching(/^sealed: /) });
  await sleepUntil(sampledAt);
  await h.executeUpdate(recordSamplingUpdate, { args: [{ actor: sup, sampleId: 'S-1', quantity: 3, unit: 'pcs', sealed: true, sampledBy: ['I-1', 'I-2'] }] });
  return { h, id, uscc, certificate, province, sup, labs };
}

/** Assigns the enterprise's own laboratory (refused, naming the conflict), then `lab`, and records a failing result. */
async function failTest(s: Setup, lab: string): Promise<SpotCheckStatus> {
  const own = await refusal(s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: s.labs.own }] }));
  expect(own.type).toBe('invalid');
  expect(own.message).toMatch(new RegExp(`^laboratoryId: laboratory ${s.labs.own} is owned by the enterprise ${s.uscc} \\(subsidiary`));
  await s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: lab }] });
  return s.h.executeUpdate(recordTestResultUpdate, { args: [{ actor: s.sup, outcome: 'fail', findings: 'insulation resistance below the standard' }] });
}

async function verifiers(province: string): Promise<string[]> {
  const team = [`V-${hex()}`, `V-${hex()}`];
  for (const v of team) await upsertVerifier(suite.db.pool, { id: v, name: v, certifiedBy: province, certifiedOn: '2020-01-01', certifiedUntil: '2099-12-31' });
  return team;
}

const applicantOf = (uscc: string) => ({ id: `ent-${uscc}`, role: 'applicant' as const, uscc });

describe('spot checks (R15)', () => {
  it('R15: a round of named enterprises grades them, stores the choice once and starts one spot check each; run again it starts nothing twice', async () => {
    await withServer(async ({ env }) => {
      const province = 'SD';
      const usccs = [freshUscc(), freshUscc()];
      await seedLicences(suite.db.pool, usccs.map((uscc) => ({ number: `SD-${hex()}`, uscc, province })));
      const roundId = `SR-${hex()}`;
      await insertRound(suite.db.pool, { id: roundId, province, product: 'broadcast-equipment', mode: 'named', named: usccs, plannedBy: 'sup-sd' });
      const run = () => env.client.workflow.execute(spotCheckRound, { taskQueue: TASK_QUEUE, workflowId: spotRoundWorkflowId(roundId), args: [{ roundId, province }] });
      expect(await run()).toMatchObject({ stage: 'done', selected: 2, started: 2 });
      const round = (await findRound(suite.db.pool, roundId))!;
      expect(round.draw).toMatchObject({ algorithm: 'named', selected: expect.arrayContaining(usccs.map((uscc) => ({ uscc, grade: 'A' }))) });
      for (const uscc of usccs) {
        const h = env.client.workflow.getHandle<typeof spotCheck>(spotCheckWorkflowId(spotCheckIdOf(roundId, uscc)));
        expect((await eventually(() => h.query(spotCheckStatusQuery), (x) => x.stage === 'sampling')).uscc).toBe(uscc);
        expect((await h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('sampling');
      }
      expect(await run()).toMatchObject({ selected: 2, started: 2 });
      expect((await suite.db.pool.query('SELECT count(*)::int AS n FROM spot_checks WHERE round_id = $1', [roundId])).rows[0].n).toBe(2);
    });
  });

  it('R15: an objection on day 15 is accepted; the re-test is by a different laboratory (the first one is refused, 422) and its pass closes the spot check; another enterprise may not object', async () => {
    const day = receiptDay();
    const day15 = addCalendarDays(day, 15);
    await withServer(async (ctx) => {
      const s = await setUp(ctx, at(day));
      const failed = await failTest(s, s.labs.ok1);
      // Received on Tue 8 December: day 1 is the 9th, day 15 Wed 23 December, a working day.
      expect(failed).toMatchObject({ stage: 'objection-window', objection: { notifiedOn: day, deadline: day15 } });
      const sa = (await s.h.describe()).typedSearchAttributes;
      expect([sa.get(SA.waitingOn), sa.get(SA.deadline)?.toISOString()]).toEqual(['objection-window', `${day15}T15:59:59.999Z`]);
      const note = await suite.db.pool.query(`SELECT recipient_role, message FROM notifications WHERE application_id = $1 AND kind = 'spot-check-failed'`, [spotCheckWorkflowId(s.id)]);
      expect(note.rows[0]).toMatchObject({ recipient_role: 'applicant', message: expect.stringContaining(`object until ${day15}`) });
      const other = await refusal(s.h.executeUpdate(objectToResultUpdate, { args: [{ actor: applicantOf(freshUscc()), reason: 'not our sample' }] }));
      expect(other).toMatchObject({ type: 'forbidden', message: expect.stringMatching(/another enterprise/) });
      await ctx.sleepUntil(at(day15, '15:00'));
      const objected = await s.h.executeUpdate(objectToResultUpdate, { args: [{ actor: applicantOf(s.uscc), reason: 'the sample was damaged in transport' }] });
      expect(objected.stage).toBe('retest');
      expect((await s.h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('retest');
      const sameLab = await refusal(s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: s.labs.ok1 }] }));
      expect(sameLab).toMatchObject({ type: 'invalid', message: expect.stringMatching(/made the first test: the re-test \(复检\) is by a different laboratory/) });
      await s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: s.labs.ok2 }] });
      await s.h.executeUpdate(recordTestResultUpdate, { args: [{ actor: s.sup, outcome: 'pass' }] });
      const done = await s.h.result();
      expect(done).toMatchObject({ stage: 'closed', finalResult: 'pass', outcome: 'passed-on-retest', retest: { laboratoryId: s.labs.ok2 } });
      expect(done.order).toBeUndefined();
      const pub = await suite.db.pool.query(`SELECT kind, rule, ground FROM credit_publicity WHERE record_key = $1`, [`spot-check-result|${s.id}`]);
      expect(pub.rows).toEqual([{ kind: 'spot-check-result', rule: 'R15', ground: 'pass' }]);
      expect((await findSpotCheck(suite.db.pool, s.id))).toMatchObject({ stage: 'closed', finalResult: 'pass', retestLaboratoryId: s.labs.ok2 });
    });
  });

  it('R15: an objection on day 16 is refused with the date; the final failure is published, raises the grade at once (R17 fact, R14 signal) and orders production and sale stopped; the failed re-check revokes the licence with the L08 3-year ban', async () => {
    const day = receiptDay();
    const [day15, day16, day76] = [addCalendarDays(day, 15), addCalendarDays(day, 16), addCalendarDays(day, 76)];
    await withServer(async (ctx) => {
      const s = await setUp(ctx, at(day));
      await failTest(s, s.labs.ok1);
      await ctx.sleepUntil(at(day16));
      const late = await refusal(s.h.executeUpdate(objectToResultUpdate, { args: [{ actor: applicantOf(s.uscc), reason: 'too late' }] }));
      expect(late).toMatchObject({ type: 'conflict', message: expect.stringContaining(`the objection period ended on ${day15} (15 days from the day after receipt on ${day}`) });
      const ordered = await eventually(() => s.h.query(spotCheckStatusQuery), (x) => (x.order?.rectifications.length ?? 0) > 0);
      expect(ordered).toMatchObject({ stage: 'order', finalResult: 'fail', objection: { lapsed: true }, order: { rectifyBy: day76 } });
      const sa = (await s.h.describe()).typedSearchAttributes;
      expect([sa.get(SA.stage), sa.get(SA.waitingOn), sa.get(SA.overdue)]).toEqual(['spot-check:order', 'rectification', false]);
      // Published, an R17 fact and an R14 signal: the grade is up at once.
      const pub = await suite.db.pool.query(`SELECT ground FROM credit_publicity WHERE record_key = $1`, [`spot-check-result|${s.id}`]);
      expect(pub.rows).toEqual([{ ground: 'fail' }]);
      const fact = await suite.db.pool.query(`SELECT kind, ref FROM supervision_facts WHERE uscc = $1 AND kind = 'failed-spot-check'`, [s.uscc]);
      expect(fact.rows).toEqual([{ kind: 'failed-spot-check', ref: `spot check ${s.id}` }]);
      // R17: one finding, one fact: the R14 signal that follows adds no risk-information fact of its own.
      const allFacts = await suite.db.pool.query(`SELECT kind FROM supervision_facts WHERE uscc = $1`, [s.uscc]);
      expect(allFacts.rows).toEqual([{ kind: 'failed-spot-check' }]);
      // R16: the final failure is one tested sample that names its failed-test signal, so the campaign threshold counts it once.
      const sample = await suite.db.pool.query(`SELECT failed, signal_key FROM tested_samples WHERE sample_key = $1`, [`spot-check|${s.id}`]);
      expect(sample.rows).toEqual([{ failed: true, signal_key: `spot-check|${s.id}` }]);
      const signal = await suite.db.pool.query(`SELECT kind, source FROM risk_signals WHERE uscc = $1 AND signal_key = $2`, [s.uscc, `spot-check|${s.id}`]);
      expect(signal.rows).toEqual([{ kind: 'failed-test', source: `spot check ${s.id}` }]);
      const grade = (await findRiskGrade(suite.db.pool, s.uscc, s.province))!;
      expect(['C', 'D']).toContain(grade.grade);
      expect(grade.reasons.join('\n')).toContain(`failed spot check on ${day16}`);
      // The public check shows the order to stop production and sale.
      const check = (await findCertificateForCheck(suite.db.pool, s.certificate))!;
      // It names the round, never the spot check, whose id carries the holder's USCC.
      expect(check.rectification).toEqual({ orderedOn: day16, rectifyBy: day76, spotCheck: s.id.slice(0, -s.uscc.length - 1) });
      expect(certificateStatusText('valid', check.rectification)).toMatch(new RegExp(`stop production and sale .*until ${day76}`));
      expect(certificateStatusText('valid', check.rectification)).not.toContain(s.uscc);
      // The follow-up's rectification path re-checks: failing revokes with the L08 ban.
      const fu = ctx.env.client.workflow.getHandle<typeof followUpInspection>(ordered.order!.rectifications[0]!.workflowId);
      const team = await verifiers(s.province);
      await fu.executeUpdate(assignTeamUpdate, { args: [{ actor: s.sup, verifierIds: team }] });
      await fu.executeUpdate(recordInspectionUpdate, { args: [{ actor: s.sup, outcome: 'failed', verifierIds: team, findings: 'still failing' }] });
      const done = await s.h.result();
      expect(done).toMatchObject({ stage: 'closed', outcome: 'revoked', order: { outcome: 'revoked' } });
      const ban = await suite.db.pool.query(`SELECT rule, ground, to_char(ends_on, 'YYYY-MM-DD') AS ends_on FROM bans WHERE certificate_no = $1`, [s.certificate]);
      expect(ban.rows).toEqual([{ rule: 'L08', ground: 'failed-rectification', ends_on: expect.stringMatching(new RegExp(`^${Number(day16.slice(0, 4)) + 3}-${day16.slice(5, 7)}-`)) }]);
      expect((await findCertificateForCheck(suite.db.pool, s.certificate))!.status).toBe('revoked');
    });
  });

  it('R15: a last day on a weekend moves to Monday, so an objection that Monday is in time; a failing re-test is final (a rectification limit in the past is refused) and the order, overdue past its limit, closes when the re-check passes', async () => {
    // A Friday still ahead (the time-skipping server starts at today), a week at a time from
    // 4 December 2026, whose day 15 and 16 are a weekend's rest days and whose Monday after is
    // a working day, so that the weekend rule, not a holiday, is what moves the last day.
    const cal = currentCalendar();
    let friday = '2026-12-04';
    while (
      at(friday) < Date.now() + 6 * 3_600_000 ||
      cal.isWorkingDay(addCalendarDays(friday, 15)) ||
      cal.isWorkingDay(addCalendarDays(friday, 16)) ||
      !cal.isWorkingDay(addCalendarDays(friday, 17)) ||
      !cal.isWorkingDay(addCalendarDays(friday, 42))
    ) {
      friday = addCalendarDays(friday, 7);
    }
    const monday = addCalendarDays(friday, 17);
    const limit = addCalendarDays(friday, 42);
    await withServer(async (ctx) => {
      const s = await setUp(ctx, at(friday));
      const failed = await failTest(s, s.labs.ok1);
      // Received on a Friday: day 15 is a Saturday, so the period ends on the Monday after.
      expect(failed.objection).toMatchObject({ notifiedOn: friday, deadline: monday });
      await ctx.sleepUntil(at(monday, '16:00'));
      await s.h.executeUpdate(objectToResultUpdate, { args: [{ actor: applicantOf(s.uscc), reason: 'we dispute the method' }] });
      await s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: s.labs.ok2 }] });
      const past = await refusal(s.h.executeUpdate(recordTestResultUpdate, { args: [{ actor: s.sup, outcome: 'fail', findings: 'confirmed', rectifyBy: '2026-12-01' }] }));
      expect(past).toMatchObject({ type: 'invalid', message: 'rectifyBy: a rectification limit lies in the future; got 2026-12-01' });
      await s.h.executeUpdate(recordTestResultUpdate, { args: [{ actor: s.sup, outcome: 'fail', findings: 'confirmed by the re-test', rectifyBy: limit }] });
      const ordered = await eventually(() => s.h.query(spotCheckStatusQuery), (x) => (x.order?.rectifications.length ?? 0) > 0);
      expect(ordered).toMatchObject({ stage: 'order', finalResult: 'fail', order: { rectifyBy: limit, overdue: false } });
      // Past its limit without a re-check: overdue, the supervisor is told.
      await ctx.sleepUntil(at(addCalendarDays(limit, 2)));
      await eventually(() => s.h.query(spotCheckStatusQuery), (x) => x.order!.overdue);
      // What the documented query "orders past their limit" (OPS_QUERIES.spotCheckOrdersPastLimit) selects on.
      const late = (await s.h.describe()).typedSearchAttributes;
      expect([late.get(SA.stage), late.get(SA.overdue), late.get(SA.waitingOn)]).toEqual(['spot-check:order', true, 'rectification']);
      expect(OPS_QUERIES.spotCheckOrdersPastLimit).toBe(`LpStage = 'spot-check:order' AND LpOverdue = true AND ExecutionStatus = 'Running'`);
      const fu = ctx.env.client.workflow.getHandle<typeof followUpInspection>(ordered.order!.rectifications[0]!.workflowId);
      const team = await verifiers(s.province);
      await fu.executeUpdate(assignTeamUpdate, { args: [{ actor: s.sup, verifierIds: team }] });
      await fu.executeUpdate(recordInspectionUpdate, { args: [{ actor: s.sup, outcome: 'pass', verifierIds: team }] });
      const done = await s.h.result();
      expect(done).toMatchObject({ outcome: 'rectified', order: { outcome: 'rectified' } });
      const check = (await findCertificateForCheck(suite.db.pool, s.certificate))!;
      expect([check.status, check.rectification]).toEqual(['valid', null]);
    });
  });

  it('R15: while the laboratory check runs (a real gated activity), another laboratory and a result are refused (409) and the state is re-read after it: the first laboratory is the one assigned', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'assignSpotCheckLaboratory', gate);
    const day = receiptDay();
    await withServer(async (ctx) => {
      const s = await setUp(ctx, at(day));
      const pending = s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: s.labs.ok1 }] });
      await gate.entered;
      const second = await refusal(s.h.executeUpdate(assignLaboratoryUpdate, { args: [{ actor: s.sup, laboratoryId: s.labs.ok2 }] }));
      expect(second).toMatchObject({ type: 'conflict', message: expect.stringMatching(/being processed/) });
      const early = await refusal(s.h.executeUpdate(recordTestResultUpdate, { args: [{ actor: s.sup, outcome: 'pass' }] }));
      expect(early.type).toBe('conflict');
      gate.release();
      expect((await pending).test).toMatchObject({ laboratoryId: s.labs.ok1 });
      expect((await findSpotCheck(suite.db.pool, s.id))!.laboratoryId).toBe(s.labs.ok1);
    }, activities);
  });
});
