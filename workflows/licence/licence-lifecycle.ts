/**
 * The licence's own life (L05, R04, L04, R12): one workflow per certificate, id
 * `licence/<certificate number>`, started by the application workflow at issuance and alive
 * for the certificate's validity.
 *
 * - reminds the holder before the renewal filing deadline (at least 6 months before expiry, L05);
 * - a renewal certificate hands over (signal `renewalIssued` from the renewal's application
 *   workflow): this one is superseded and ends;
 * - at expiry: a renewal filed in time with no decision → the licence counts as renewed (L05)
 *   for a new term; otherwise it expires;
 * - Updates for cancellation (注销, on request or for M&A, R04), change (变更) of name or address
 *   and revocation (撤销, L04/R12), each validated at once and written to the audit trail; a
 *   Signal for revocation from the follow-up workflow (workflows can only signal each other);
 * - Query `licence`: state, validity, recent history.
 *
 * The certificate status in PostgreSQL is what the public check reads; this workflow writes it
 * through idempotent activities. It continues as new every LIFECYCLE_CHECKPOINT_DAYS (and when
 * the server suggests it), carrying its state, so no run's history grows with the years.
 */
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { adoptPatchBaseline, hasPatch, onThirdBaseline } from '../shared/patch-baseline';
import { acts } from '../shared/activities';
import { createMutex } from '../shared/mutex';
import { validUntil as validityEnd } from '../../domain/licence/certificate';
import { messageRefused } from '../../domain/refusal';
import { predecessorCancelledSignal } from '../../domain/approval/messages';
import { MAY } from '../../domain/permissions';
import { policyById } from '../../domain/policy';
import type { Actor } from '../../domain/roles';
import { requireStaff } from '../shared/guards';
import { ACTIVE_STATUSES, cancelLicenceUpdate, changeLicenceUpdate, LIFECYCLE_CHECKPOINT_DAYS, LIFECYCLE_HISTORY_CAP, type LicenceEvent, type LicenceState, type LifecycleInput, lifecycleQuery, lifecycleSearchAttributes, renewalIssuedSignal, revokeLicenceSignal, revokeLicenceUpdate } from '../../domain/licence/messages';
import { followUpWorkflowId } from '../../domain/workflow-ids';
import { licenceEndedSignal } from '../../domain/supervision/follow-up';
import { renewalDueBy } from '../../domain/licence/certificate';
import { failedRectificationProblem, type RevocationGround } from '../../domain/licence/revocation';
import { addCalendarDays, endOfShanghaiDay, shanghaiDate } from '../../domain/time';

const DAY = 86_400_000;
const HISTORY_KEPT = 100;

export async function licenceLifecycle(input: LifecycleInput): Promise<LicenceState> {
  // First, before any other patch is asked (../shared/patch-baseline.ts).
  adoptPatchBaseline();
  const id = workflowInfo().workflowId;
  const nowIso = () => new Date(Date.now()).toISOString();
  const policy = policyById(input.policyVersion);
  const st: LicenceState = input.carried
    ? { ...input.carried, run: input.carried.run + 1 }
    : {
        certificateNumber: input.certificateNumber,
        applicationId: input.applicationId,
        province: input.province,
        product: input.product,
        uscc: input.uscc,
        enterpriseName: input.enterpriseName,
        enterpriseAddress: input.enterpriseAddress,
        policyVersion: input.policyVersion,
        status: 'valid',
        issuedOn: input.issuedOn,
        validUntil: input.validUntil,
        renewalDueBy: renewalDueBy(input.validUntil, policy.renewalNoticeMonths),
        run: 1,
        history: [],
      };
  let seq = 0;
  /**
   * Unique per run and step: retries and replays write nothing twice, and a reset run's steps
   * (new run id) never collide with the old run's rows. Patched: older runs keyed without the run id.
   */
  const key = (what: string) =>
    hasPatch('reset-safe-audit-keys') ? `${id}:${st.run}:${workflowInfo().runId}:${what}:${++seq}` : `${id}:${st.run}:${what}:${++seq}`;
  const active = () => ACTIVE_STATUSES.includes(st.status);
  const termEnd = () => st.deemedRenewedUntil ?? st.validUntil;

  const note = (event: string, by?: Actor | string, text?: string) => {
    const e: LicenceEvent = { at: nowIso(), event, by: typeof by === 'string' ? by : by ? `${by.role}:${by.id}` : undefined, note: text };
    st.history.push(e);
    if (st.history.length > HISTORY_KEPT) st.history.splice(0, st.history.length - HISTORY_KEPT);
  };
  /**
   * A run on the third baseline writes only the attributes that changed since it started (its
   * parent, or its previous run through continue-as-new, set them) or last wrote them, and
   * nothing when none did: an issued licence's lifecycle writes none at start. Older runs wrote
   * the whole set at each call and replay that way. The set of keys is fixed, so none ever has
   * to be cleared by name.
   */
  const diffing = onThirdBaseline();
  const published = new Map<string, string>();
  if (diffing) {
    const startedWith = workflowInfo().typedSearchAttributes;
    for (const { key } of lifecycleSearchAttributes(st)) published.set(key.name, JSON.stringify(startedWith.get(key) ?? null));
  }
  const publish = () => {
    let pairs = lifecycleSearchAttributes(st);
    if (diffing) {
      pairs = pairs.filter(({ key, value }) => published.get(key.name) !== JSON.stringify(value ?? null));
      if (!pairs.length) return;
      for (const { key, value } of pairs) published.set(key.name, JSON.stringify(value ?? null));
    }
    upsertSearchAttributes(pairs);
  };
  const event = (action: string, extra: { actor?: Actor; reason?: string; details?: Record<string, unknown> } = {}) => ({
    eventKey: key(action),
    applicationId: st.applicationId,
    certificateNumber: st.certificateNumber,
    action,
    actor: extra.actor && { id: extra.actor.id, role: extra.actor.role },
    reason: extra.reason,
    details: extra.details,
    occurredAt: nowIso(),
  });

  // ---- who may send what ---------------------------------------------------------------------
  const requireActive = (what: string) => {
    if (!active()) throw messageRefused('conflict', `certificate ${st.certificateNumber} is ${st.status}${st.endedAt ? ` since ${st.endedAt}` : ''}: ${what} is no longer possible`);
  };
  const owner = { province: st.province, subject: `certificate ${st.certificateNumber}` };

  const end = (status: LicenceState['status'], event: string, by?: Actor | string, text?: string) => {
    st.status = status;
    st.endedAt = nowIso();
    note(event, by, text);
    publish();
  };

  const revoke = async (ground: RevocationGround, reason: string, by: Actor | string) => {
    const actor = typeof by === 'string' ? undefined : { id: by.id, role: by.role };
    const r = await acts.revokeCertificate({ certificateNumber: st.certificateNumber, ground, reason, actor, source: id, occurredAt: nowIso() });
    if (r.status === 'revoked') {
      end('revoked', `revoked:${ground}`, by, r.ban ? `${reason}; ban until ${r.ban.endsOn} (${r.ban.rule})` : reason);
    } else {
      st.status = r.status;
      note(`revocation-recorded:${ground}`, by, `certificate was already ${r.status}`);
      publish();
    }
  };

  // ---- one step at a time -------------------------------------------------------------------------
  // Handlers and the main loop's reminder and expiry steps all await activities; under one lock
  // none of them acts on a status another is changing (a cancellation during the expiry check
  // would otherwise be overwritten by the deemed renewal). A handler re-checks once it holds the
  // lock. Patched: older lifecycles ran them interleaved.
  const mutex = createMutex();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => (hasPatch('lifecycle-serialised-messages') ? mutex.runExclusive(fn) : fn());
  /** For an Update that waited for the lock: the licence may have ended meanwhile (→ 409). */
  const stillActive = (what: string) => {
    if (!active()) throw messageRefused('conflict', `certificate ${st.certificateNumber} became ${st.status}${st.endedAt ? ` at ${st.endedAt}` : ''} while ${what} waited: it is no longer possible`);
  };

  // ---- messages --------------------------------------------------------------------------------
  setHandler(lifecycleQuery, () => st);

  setHandler(
    cancelLicenceUpdate,
    ({ actor, reason, note: text }) =>
      exclusive(async () => {
        stillActive('the cancellation');
        const r = await acts.setCertificateStatus({ ...event('licence-cancelled', { actor, reason: text ?? reason, details: { reason } }), status: 'cancelled' });
        if (r.status === 'cancelled') end('cancelled', `cancelled:${reason}`, actor, text);
        else {
          st.status = r.status;
          publish();
        }
        return st;
      }),
    {
      validator: ({ actor }) => {
        if (actor.role === 'applicant') {
          if (actor.uscc !== st.uscc) throw messageRefused('forbidden', `certificate ${st.certificateNumber} is held by another enterprise`);
        } else {
          requireStaff(actor, 'cancelLicence', owner, MAY.cancelLicence.filter((r) => r !== 'applicant'));
        }
        requireActive('cancellation');
      },
    },
  );

  setHandler(
    changeLicenceUpdate,
    ({ actor, enterpriseName, enterpriseAddress, note: text }) =>
      exclusive(async () => {
        stillActive('the change');
        await acts.changeCertificateParticulars({ ...event('licence-changed', { actor, reason: text }), enterpriseName, enterpriseAddress });
        const changes: string[] = [];
        if (enterpriseName !== undefined && enterpriseName !== st.enterpriseName) changes.push(`name: ${st.enterpriseName} → ${enterpriseName}`);
        if (enterpriseAddress !== undefined && enterpriseAddress !== st.enterpriseAddress) changes.push(`address: ${st.enterpriseAddress} → ${enterpriseAddress}`);
        st.enterpriseName = enterpriseName ?? st.enterpriseName;
        st.enterpriseAddress = enterpriseAddress ?? st.enterpriseAddress;
        note('changed', actor, changes.join('; ') + (text ? ` (${text})` : ''));
        return st;
      }),
    {
      validator: ({ actor, enterpriseName, enterpriseAddress }) => {
        requireStaff(actor, 'changeLicence', owner);
        requireActive('a change');
        if (enterpriseName === undefined && enterpriseAddress === undefined) throw messageRefused('invalid', 'a change names a new enterprise name or address');
        if ((enterpriseName ?? st.enterpriseName) === st.enterpriseName && (enterpriseAddress ?? st.enterpriseAddress) === st.enterpriseAddress) {
          throw messageRefused('invalid', 'nothing changes: the name and address are already on the certificate');
        }
      },
    },
  );

  setHandler(
    revokeLicenceUpdate,
    ({ actor, ground, reason }) =>
      exclusive(async () => {
        // R15, L08: the ground must match the record; the record is in PostgreSQL, so the handler asks (a validator cannot).
        if (ground === 'failed-rectification' && hasPatch('failed-rectification-on-record')) {
          const problem = failedRectificationProblem(st.certificateNumber, await acts.rectificationRecord({ certificateNumber: st.certificateNumber }));
          if (problem) throw messageRefused('invalid', problem);
        }
        stillActive('the revocation');
        await revoke(ground, reason, actor);
        return st;
      }),
    {
      validator: ({ actor }) => {
        requireStaff(actor, 'revokeLicence', owner);
        requireActive('revocation');
      },
    },
  );

  setHandler(revokeLicenceSignal, ({ ground, reason, by }) =>
    exclusive(async () => {
      if (!active()) {
        log.info('revocation signal for an inactive licence', { status: st.status });
        return;
      }
      await revoke(ground, reason, by);
    }),
  );

  setHandler(renewalIssuedSignal, ({ applicationId, newCertificateNumber }) =>
    exclusive(async () => {
      if (!active()) {
        log.warn('renewal hand-over to an inactive licence', { status: st.status, newCertificateNumber });
        return;
      }
      st.renewal = { ...(st.renewal ?? { applicationId, filedAt: '', inTime: true }), applicationId, decision: 'approved', newCertificateNumber };
      st.supersededBy = newCertificateNumber;
      end('superseded', 'renewed', undefined, `superseded by ${newCertificateNumber} (renewal ${applicationId})`);
      // issueCertificate already marked it superseded in the same transaction as the new one.
      await acts.recordLicenceEvent(event('licence-superseded', { details: { newCertificateNumber, renewalApplicationId: applicationId } }));
    }),
  );

  // ---- the process -------------------------------------------------------------------------
  publish();
  if (!input.carried) {
    note('issued', undefined, `valid ${st.issuedOn} to ${st.validUntil}; renewal due by ${st.renewalDueBy}`);
    await acts.recordLicenceEvent(event('lifecycle-started', { details: { validUntil: st.validUntil, renewalDueBy: st.renewalDueBy } }));
  }

  const checkpointAt = Date.now() + (input.checkpointDays ?? LIFECYCLE_CHECKPOINT_DAYS) * DAY;
  const reminderAt = () => Date.parse(`${addCalendarDays(st.renewalDueBy, -policy.renewalReminderLeadDays)}T09:00:00+08:00`);
  const expiryAt = () => Date.parse(endOfShanghaiDay(termEnd())) + 1;

  while (active()) {
    const next = Math.min(st.reminderSentAt ? Infinity : reminderAt(), expiryAt(), checkpointAt);
    // Messages grow the history too: continue as new at the cap even between timers. Patched
    // each time round (not sticky), so running lifecycles take it up at their next turn.
    const capped = hasPatch('lifecycle-history-cap');
    const overCap = () => capped && workflowInfo().historyLength >= (input.historyCap ?? LIFECYCLE_HISTORY_CAP);
    if (next > Date.now()) {
      await condition(() => !active() || workflowInfo().continueAsNewSuggested || overCap(), next - Date.now());
    }
    if (!active()) break;
    if (!st.reminderSentAt && Date.now() >= reminderAt()) await exclusive(remind);
    if (Date.now() >= expiryAt()) await exclusive(atExpiry);
    if (active() && (Date.now() >= checkpointAt || workflowInfo().continueAsNewSuggested || overCap())) {
      await condition(allHandlersFinished);
      if (active()) {
        note('checkpoint', undefined, `run ${st.run} continues as new`);
        await continueAsNew<typeof licenceLifecycle>({ ...input, carried: st });
      }
    }
  }

  await condition(allHandlersFinished);
  publish();
  // R04: take-overs waiting for this licence to end hear it now, not at their next re-check.
  // Patched: lifecycles that ended before this did not tell them.
  if (st.status !== 'superseded' && st.status !== 'deemed-renewed' && hasPatch('tell-waiting-take-overs')) {
    for (const caseId of await acts.waitingTakeOvers({ certificateNumber: st.certificateNumber })) {
      try {
        await getExternalWorkflowHandle(caseId).signal(predecessorCancelledSignal, { certificateNumber: st.certificateNumber });
      } catch {
        // That case has closed meanwhile: nothing is waiting any more.
      }
    }
  }
  if (st.status !== 'superseded' && st.status !== 'deemed-renewed') {
    try {
      await getExternalWorkflowHandle(followUpWorkflowId(st.applicationId)).signal(licenceEndedSignal, { status: st.status, at: st.endedAt ?? nowIso() });
    } catch {
      // No follow-up (standard path), or it is already closed.
    }
  }
  return st;

  // ---- steps -------------------------------------------------------------------------------------
  /** L05: remind the holder before the filing deadline, unless a renewal is already filed. */
  async function remind(): Promise<void> {
    // A cancellation or revocation may have run while this step waited for the lock (or for the
    // look-up): an ended licence gets no "file your renewal" notice. Patched: a lifecycle recorded
    // before this re-check sent its reminder whatever happened during the look-up.
    const recheck = hasPatch('lifecycle-remind-rechecks-status');
    if (recheck && !active()) return;
    const renewal = await acts.findRenewal({ certificateNumber: st.certificateNumber });
    if (recheck && !active()) return;
    st.reminderSentAt = nowIso();
    if (renewal && shanghaiDate(renewal.receivedAt) >= st.issuedOn && renewal.applicationId !== st.renewal?.applicationId) {
      note('renewal-reminder-skipped', undefined, `renewal ${renewal.applicationId} already filed`);
    } else {
      await acts.notify({
        key: `${id}:renewal-reminder:${termEnd()}`,
        applicationId: st.applicationId,
        province: st.province,
        recipientRole: 'applicant',
        kind: 'renewal-due',
        message: `Certificate ${st.certificateNumber} is valid through ${termEnd()}: file the renewal by ${st.renewalDueBy}, at least ${policy.renewalNoticeMonths} months before expiry (L05)`,
      });
      await acts.recordLicenceEvent(event('renewal-reminder-sent', { details: { renewalDueBy: st.renewalDueBy, validUntil: termEnd() } }));
      note('renewal-reminder-sent', undefined, `file by ${st.renewalDueBy}`);
    }
    publish();
  }

  /** L05: deemed renewal when a renewal filed in time is still undecided; otherwise expiry. */
  async function atExpiry(): Promise<void> {
    const renewal = await acts.findRenewal({ certificateNumber: st.certificateNumber });
    if (!active()) return;
    const filedInTime = renewal !== null && shanghaiDate(renewal.receivedAt) <= st.renewalDueBy;
    const undecided = renewal !== null && (renewal.decision === null || renewal.decision === 'approved');
    const fresh = renewal !== null && renewal.applicationId !== st.renewal?.applicationId;
    if (renewal && filedInTime && undecided && fresh) {
      const until = validityEnd(addCalendarDays(termEnd(), 1), policy.validityYears);
      const r = await acts.setCertificateStatus({
        ...event('licence-deemed-renewed', {
          reason: `renewal ${renewal.applicationId} filed on ${shanghaiDate(renewal.receivedAt)} (by ${st.renewalDueBy}) has no decision at expiry: the licence counts as renewed (L05)`,
          details: { renewalApplicationId: renewal.applicationId, previousValidUntil: termEnd(), deemedRenewedUntil: until },
        }),
        status: 'deemed-renewed',
        deemedRenewedUntil: until,
      });
      if (r.status !== 'deemed-renewed') {
        st.status = r.status; // e.g. superseded: the renewal certificate was issued meanwhile
        st.endedAt = nowIso();
        note(`found-${r.status}`);
        publish();
        return;
      }
      st.renewal = { applicationId: renewal.applicationId, filedAt: renewal.receivedAt, inTime: true };
      st.status = 'deemed-renewed';
      st.deemedRenewedUntil = until;
      st.renewalDueBy = renewalDueBy(until, policy.renewalNoticeMonths);
      st.reminderSentAt = undefined;
      note('deemed-renewed', undefined, `no decision on renewal ${renewal.applicationId} at expiry: counts as renewed through ${until} (L05)`);
      await acts.notify({
        key: `${id}:deemed-renewed:${until}`,
        applicationId: st.applicationId,
        province: st.province,
        recipientRole: 'applicant',
        kind: 'licence-deemed-renewed',
        message: `Certificate ${st.certificateNumber}: no decision on renewal ${renewal.applicationId} before expiry, so the licence counts as renewed (L05)`,
      });
      publish();
      return;
    }
    const why = !renewal
      ? 'no renewal filed'
      : !filedInTime
        ? `renewal ${renewal.applicationId} filed on ${shanghaiDate(renewal.receivedAt)}, after the deadline ${st.renewalDueBy} (L05)`
        : `renewal ${renewal.applicationId} decided: ${renewal.decision}`;
    const r = await acts.setCertificateStatus({ ...event('licence-expired', { reason: why, details: { validUntil: termEnd() } }), status: 'expired' });
    end(r.status === 'valid' || r.status === 'deemed-renewed' ? 'expired' : r.status, r.status === 'superseded' ? 'found-superseded' : 'expired', undefined, why);
  }
}
