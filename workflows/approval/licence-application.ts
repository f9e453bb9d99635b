/**
 * One durable workflow per licence application (workflow id = application id): receipt →
 * intake gates (R03, L04, R04) → acceptance (L01) → one of four paths by the policy in force at
 * acceptance (R02) → decision within its SLA (R07, L02, L03) → electronic certificate (L07, R05)
 * → follow-up and lifecycle hand-off.
 *
 * The parts: case-state.ts (state and shared steps), handlers.ts (Updates, Signals, Query),
 * decision-clock.ts (R07), issuance.ts (certificate and hand-off). Reviewers' decisions arrive as
 * Updates whose validators refuse a wrong role, province or stage before anything reaches
 * history. Every side effect is an idempotent activity.
 */
import { allHandlersFinished, condition } from '@temporalio/workflow';
import { adoptPatchBaseline, hasPatch, onSecondBaseline } from '../shared/patch-baseline';
import type { LicenceApplicationInput, LicenceApplicationResult } from '../../domain/approval/messages';
import { industrialPolicyRefusals } from '../../domain/approval/intake';
import { commitmentRefusals, namedCertificateRefusals, oneCertificatePerProductRefusals, pendingNewApplicationRefusals } from '../../domain/approval/named-certificate';
import { describeBan } from '../../domain/licence/revocation';
import { decisionLimit, policyInForce, routeApplication } from '../../domain/policy';
import { shanghaiDate } from '../../domain/time';
import { acts } from '../shared/activities';
import { createCaseContext } from './case-state';
import { awaitAcceptance } from './acceptance-clock';
import { limitInput, prefetchDecisionDeadline, runDecisionClock } from './decision-clock';
import { installCaseHandlers } from './handlers';
import { issueAndHandOff } from './issuance';
import { runTimeLimit } from './time-limits';
import { PREDECESSOR_ENDED, waitForPredecessor } from './predecessor-wait';


/** Art. 18 / Art. 24 clocks on the verify-then-issue path. */
const TIME_LIMITS_PATCH = 'verify-then-issue-time-limits';
/** A new case turns `received` only once its L01 deadline is computed. */
const RECEIVED_WITH_DEADLINE_PATCH = 'received-with-acceptance-deadline';

export async function licenceApplication(input: LicenceApplicationInput): Promise<LicenceApplicationResult> {
  // First, before any other patch is asked (../shared/patch-baseline.ts). It also tells whether
  // this run started on the code that runs the intake reads side by side.
  const onBaseline = adoptPatchBaseline();
  const ctx = createCaseContext(input);
  const { app, s, flags, nowIso, key, setStage, record, publishSearchAttributes } = ctx;
  installCaseHandlers(ctx);

  publishSearchAttributes();
  // A run continued as new during the R04 wait has passed receipt and its gates already.
  const carried = input.carried !== undefined;
  if (!carried) s.timeline.push({ at: input.receivedAt, stage: 'received', event: 'received' });
  const received = shanghaiDate(input.receivedAt);
  let refusals: { rule: string; reason: string }[];
  let firstAcceptanceDue: Awaited<ReturnType<typeof acts.computeDeadline>> | undefined;
  if (carried) refusals = [];
  else if (onBaseline) {
    // The receipt, the register reads behind the gates and the L01 deadline depend on none of
    // each other: asked together, they come back in one or two workflow tasks instead of five.
    const policy = policyInForce(received);
    const holdsBefore = ctx.opsHoldsSeen();
    const gates = Promise.all([
      acts.recordReceipt({ application: app, receivedAt: input.receivedAt, eventKey: key('received') }).then((r) => {
        flags.receiptRecorded = true;
        return r;
      }),
      acts.activeBan({ uscc: app.enterprise.uscc, product: app.product, on: received }),
      app.type !== 'new' && app.currentCertificateNumber ? acts.namedCertificate({ number: app.currentCertificateNumber }) : null,
      app.type === 'new' ? acts.heldCertificate({ uscc: app.enterprise.uscc, province: app.province, product: app.product }) : undefined,
    ]);
    // A take-over's clock starts once its predecessor is gone, not at receipt. Awaited only for a
    // case that passes the gates: a refusal never waits on the calendar.
    const due = app.predecessor ? undefined : acts.computeDeadline({ startedAt: input.receivedAt, ...limitInput(policy.limits.acceptance), pauses: [] });
    void due?.catch(() => undefined); // left running when the case is refused
    const [receipt, ban, named, held] = await gates;
    // The same gates, in the same order, as below.
    refusals = industrialPolicyRefusals(app, policy);
    if (ban) refusals.push({ rule: 'L04', reason: describeBan(ban) });
    refusals.push(...namedCertificateRefusals(app, named, received, policy), ...commitmentRefusals(app, policy));
    if (app.type === 'new') refusals.push(...oneCertificatePerProductRefusals(app, held!), ...pendingNewApplicationRefusals(app, receipt.pendingDuplicateOf));
    if (!refusals.length && due) {
      const computed = await due;
      // An intake step that held for ops may have waited days, over a calendar change: the loop
      // below computes the deadline afresh then, as the sequential intake did.
      if (ctx.opsHoldsSeen() === holdsBefore) firstAcceptanceDue = computed;
    }
  } else {
    const receipt = await acts.recordReceipt({ application: app, receivedAt: input.receivedAt, eventKey: key('received') });
    flags.receiptRecorded = true;

    // Gates at receipt. R03: capacity against the filing and the industrial policy.
    refusals = industrialPolicyRefusals(app, policyInForce(received));
    // L04: a banned enterprise is refused for that product until the ban ends. Patched: cases
    // received before this check existed go on without it.
    if (hasPatch('intake-ban-check')) {
      const ban = await acts.activeBan({ uscc: app.enterprise.uscc, product: app.product, on: received });
      if (ban) refusals.push({ rule: 'L04', reason: describeBan(ban) });
    }
    // R08, L05, L07: a renewal or change names a certificate the applicant holds here, for this
    // product, still valid (or deemed renewed), and a renewal comes no earlier than L05 allows.
    // R09: a commitment-mode product carries its signed commitment. Patched: older cases went on without.
    if (hasPatch('intake-named-certificate-check')) {
      const named = app.type !== 'new' && app.currentCertificateNumber ? await acts.namedCertificate({ number: app.currentCertificateNumber }) : null;
      refusals.push(...namedCertificateRefusals(app, named, received, policyInForce(received)), ...commitmentRefusals(app, policyInForce(received)));
    }
    // L07: one certificate per enterprise per product here; a second `new` one is refused, pointing
    // to the change route. Patched: older cases went on without.
    if (app.type === 'new' && hasPatch('intake-one-certificate-per-product')) {
      const held = await acts.heldCertificate({ uscc: app.enterprise.uscc, province: app.province, product: app.product });
      refusals.push(...oneCertificatePerProductRefusals(app, held));
    }
    // L07 while applications are open: of two `new` ones for the same product filed together, the
    // later receipt is refused (the receipt decided it under a lock). Patched: older cases went on without.
    if (app.type === 'new' && hasPatch('intake-one-open-new-per-product')) {
      refusals.push(...pendingNewApplicationRefusals(app, receipt.pendingDuplicateOf));
    }
  }
  if (refusals.length) {
    const reasons = refusals.map((r) => `${r.rule}: ${r.reason}`);
    s.decision = { outcome: 'rejected-at-intake', at: nowIso(), by: 'system', reasons };
    setStage('rejected-at-intake', 'rejected-at-intake', undefined, reasons.join('; '));
    await record('rejected-at-intake', { reason: reasons.join('; '), set: { decision: 'rejected-at-intake', decided_at: s.decision.at } });
    return finish();
  }

  // R04: a take-over is not accepted while the licence it replaces is still in force; the
  // acceptance clock (L01) starts once it is gone.
  let intakeClockStart = input.receivedAt;
  if (app.predecessor) {
    const number = app.predecessor.certificateNumber;
    const status = carried ? null : await acts.certificateStatus({ number });
    if (carried || !PREDECESSOR_ENDED.includes(status ?? '')) {
      if (!carried) {
        setStage('awaiting-predecessor-cancellation', 'awaiting-predecessor-cancellation', undefined, `licence ${number} (${status ?? 'not in this system'}) must be cancelled first (R04, ${app.predecessor.reason})`);
        await record('awaiting-predecessor-cancellation', { reason: `R04: ${number} is ${status ?? 'unknown here'}`, details: { predecessor: app.predecessor } });
      }
      // Signal, confirmation or re-check, in any order; may continue as new (predecessor-wait.ts).
      await waitForPredecessor(ctx);
      if (s.decision) return finish();
      intakeClockStart = nowIso();
      // Back at intake until the acceptance deadline is known (below). Patched: older cases were `received` at once.
      setStage(hasPatch(RECEIVED_WITH_DEADLINE_PATCH) ? 'intake' : 'received', 'predecessor-cancelled', undefined, `licence ${number} no longer in force`);
      await record('predecessor-cancelled', { details: { predecessor: app.predecessor } });
    }
  }
  // Intake done: from here staff may accept, refuse or ask for a supplement. A case stays at
  // intake until its acceptance deadline is known, so staff never act while that step runs (see
  // flags.acceptanceOpen). Patched: older cases were `received` before it.
  const receivedWithDeadline = s.stage === 'intake' && hasPatch(RECEIVED_WITH_DEADLINE_PATCH);
  if (s.stage === 'intake' && !receivedWithDeadline) setStage('received', 'intake-passed');

  // L01: accept, or ONE supplement notice, within the limit; silence means accepted as of the
  // day of receipt (or of the supplement).
  while (s.stage === 'received' || s.stage === 'awaiting-supplement' || (receivedWithDeadline && s.stage === 'intake')) {
    if (s.stage === 'awaiting-supplement') {
      await condition(() => s.stage !== 'awaiting-supplement');
      continue;
    }
    flags.acceptanceOpen = false;
    const clockStart = s.supplement?.suppliedAt ?? intakeClockStart;
    const limit = policyInForce(shanghaiDate(clockStart)).limits.acceptance;
    // The first one came with the intake reads, from the same start and limit.
    const due = firstAcceptanceDue && clockStart === input.receivedAt ? firstAcceptanceDue : await acts.computeDeadline({ startedAt: clockStart, ...limitInput(limit), pauses: [] });
    firstAcceptanceDue = undefined;
    if (s.stage === 'intake') setStage('received', 'intake-passed');
    flags.acceptanceOpen = true;
    const acted = await awaitAcceptance(ctx, clockStart, limit, due);
    if (acted || s.stage !== 'received') continue;
    // Re-read the calendar once the timer fires: a provisional deadline may have moved.
    const recheck = await acts.computeDeadline({ startedAt: clockStart, ...limitInput(limit), pauses: [] });
    if (Date.parse(recheck.deadlineAt!) > Date.now()) continue;
    // An officer may have acted while the re-check ran: their action stands. Patched: older
    // cases were deemed accepted over it.
    if (hasPatch('deemed-acceptance-rereads-stage') && s.stage !== 'received') continue;
    s.acceptedAt = clockStart;
    s.acceptance = 'deemed';
    setStage('under-review', 'deemed-accepted', undefined, `no acceptance decision within ${limit.n} ${limit.unit === 'days' ? 'days' : 'working days'} (L01): accepted as of ${shanghaiDate(clockStart)}`);
    await record('deemed-accepted', {
      reason: `L01: no acceptance or supplement notice by ${recheck.deadlineAt}`,
      set: { accepted_at: clockStart, acceptance: 'deemed' },
    });
  }

  if (s.stage === 'rejected-at-intake') return finish();

  // R02: the version in force on the acceptance date governs the case for life.
  const policy = policyInForce(shanghaiDate(s.acceptedAt!));
  const route = routeApplication(policy, {
    product: app.product,
    type: app.type,
    conditionsUnchanged: app.conditionsUnchanged,
    hasQualitySafetyCommitment: app.qualitySafetyCommitment !== undefined,
  });
  s.policyVersion = policy.id;
  s.path = route.path;
  s.pathReason = route.why;
  if (route.path === 'verify-then-issue' && s.stage === 'under-review' && !s.decision) {
    setStage('awaiting-verification', 'routed', undefined, route.why);
  } else {
    s.timeline.push({ at: nowIso(), stage: s.stage, event: 'routed', note: route.why });
    publishSearchAttributes();
  }
  const limit = decisionLimit(policy, route.path);
  // The decision deadline does not depend on the routing's audit row: asked for beside it, the
  // two come back in one workflow task instead of two (second patch baseline).
  const holdsBefore = ctx.opsHoldsSeen();
  let firstDeadline = onSecondBaseline() && !s.decision ? prefetchDecisionDeadline(ctx, limit) : undefined;
  await record('routed', { reason: route.why, set: { policy_version: policy.id, path: route.path } });
  // A step held for ops meanwhile may have waited days, over a calendar change: the clock asks afresh.
  if (ctx.opsHoldsSeen() !== holdsBefore) firstDeadline = undefined;
  flags.routed = true;

  // The decision clock runs from acceptance, beside whatever the case waits for.
  const decided = () => s.decision !== undefined;
  const clock = runDecisionClock(ctx, limit, policy.limits.reminderLeadWorkingDays, decided, firstDeadline);
  // Art. 18: on the standard path the on-site verification result is due within its own limit
  // of acceptance. Patched: cases routed before this had no such clock.
  const timeLimits = route.path === 'verify-then-issue' && hasPatch(TIME_LIMITS_PATCH);
  const verificationClock = timeLimits
    ? runTimeLimit(ctx, 'verification', policy.limits.standardVerification, policy.limits.reminderLeadWorkingDays, s.acceptedAt!, () => s.verification !== undefined || decided())
    : undefined;

  await condition(decided);
  await clock;
  await verificationClock;
  if (s.decision!.outcome !== 'approved') return finish();
  // The decision's own audit write comes first, then the certificate. Patched: cases decided
  // before this scheduled the certificate while the decision's write was still running.
  if (hasPatch('decision-recorded-before-issuance')) await condition(allHandlersFinished);

  // Art. 24: the certificate is due within its limit of the decision; a certificate held up
  // (e.g. a step waiting on ops) is escalated. Patched: cases decided before this had no clock.
  const certificateClock =
    route.path === 'verify-then-issue' && hasPatch(TIME_LIMITS_PATCH)
      ? runTimeLimit(ctx, 'certificate', policy.limits.certificateAfterDecision, policy.limits.reminderLeadWorkingDays, s.decision!.at, () => s.certificate !== undefined)
      : undefined;
  // L07, R05: the electronic certificate, then the follow-up and lifecycle children.
  await issueAndHandOff(ctx, policy, route.path);
  await certificateClock;
  return finish();

  async function finish(): Promise<LicenceApplicationResult> {
    // Let in-flight update handlers write their audit rows before the run closes.
    await condition(allHandlersFinished);
    publishSearchAttributes();
    const outcome = s.decision?.outcome === 'approved' ? 'issued' : (s.decision?.outcome ?? 'refused');
    return {
      applicationId: app.applicationId,
      outcome: outcome === 'issued' || outcome === 'refused' || outcome === 'rejected-at-intake' ? outcome : 'refused',
      certificateNumber: s.certificate?.number,
      path: s.path,
      policyVersion: s.policyVersion,
      decidedWithinDeadline: s.decision?.withinDeadline,
    };
  }
}
