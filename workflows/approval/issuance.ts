/**
 * L07, R05: the electronic certificate, then the hand-off to the licence's after-issuance life:
 * the follow-up child (R08, R10) and the lifecycle child (L05), both outliving the case.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { getExternalWorkflowHandle, log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { hasPatch, onSecondBaseline, onThirdBaseline } from '../shared/patch-baseline';
import { licenceParticularsOf, lifecycleSearchAttributes, renewalIssuedSignal, type LifecycleInput } from '../../domain/licence/messages';
import { followUpFor, policyById, type ApprovalPath, type PolicyVersion } from '../../domain/policy';
import type { FollowUpInput } from '../../domain/supervision/follow-up';
import { shanghaiDate } from '../../domain/time';
import { followUpWorkflowId, lifecycleWorkflowId } from '../../domain/workflow-ids';
import { licenceLifecycle } from '../licence/licence-lifecycle';
import { acts } from '../shared/activities';
import { followUpInspection } from '../supervision/follow-up';
import type { CaseContext } from './case-state';

export async function issueAndHandOff(ctx: CaseContext, policy: PolicyVersion, path: ApprovalPath): Promise<void> {
  const { app, s, nowIso, key, setStage } = ctx;
  // L07: a change adds to the certificate the enterprise holds (增项): same number, a new
  // electronic version; its lifecycle runs on. Patched: older changes got a new number.
  if (app.type === 'change' && hasPatch('change-amends-certificate')) {
    const issuedAt = nowIso();
    const cert = await acts.amendCertificate({
      applicationId: app.applicationId,
      eventKey: key('certificate-amended'),
      issuedAt,
      issuedOn: shanghaiDate(issuedAt),
      stageSeq: ctx.stageSeq() + 1,
    });
    s.certificate = { number: cert.number, issuedOn: cert.issuedOn, validUntil: cert.validUntil, version: cert.version };
    setStage('issued', 'certificate-amended', undefined, `${cert.number} version ${cert.version}: ${cert.productNames.join(', ')}`);
    await startFollowUp(ctx, policy, path, cert.number, issuedAt);
    return;
  }
  // Exactly one certificate per case, even under retries.
  const issuedAt = nowIso();
  const cert = await acts.issueCertificate({
    applicationId: app.applicationId,
    eventKey: key('certificate'),
    issuedAt,
    issuedOn: shanghaiDate(issuedAt),
    policyVersion: policy.id,
    stageSeq: ctx.stageSeq() + 1,
  });
  s.certificate = { number: cert.number, issuedOn: cert.issuedOn, validUntil: cert.validUntil };
  setStage('issued', 'certificate-issued', undefined, cert.number);

  // The two children depend on none of each other: started together, in one workflow task instead
  // of one each (second patch baseline). The timeline lists the follow-up first either way.
  const together = onSecondBaseline();
  const followUp = startFollowUp(ctx, policy, path, cert.number, issuedAt);
  if (!together) await followUp;
  // The licence's own life (L05): one lifecycle per certificate, outliving this case; a renewal
  // tells the old certificate's lifecycle to hand over. Patched: cases issued before this ran without.
  if (hasPatch('licence-lifecycle')) {
    const lifecycleId = lifecycleWorkflowId(cert.number);
    const lifecycleInput: LifecycleInput = licenceParticularsOf(app, cert, policy.id);
    // Started showing what it would write first (third baseline), so it writes nothing at start.
    const shown = onThirdBaseline() ? { typedSearchAttributes: lifecycleSearchAttributes({ ...lifecycleInput, status: 'valid' }).filter(isSet) } : {};
    const lifecycle = startChild(licenceLifecycle, { workflowId: lifecycleId, args: [lifecycleInput], parentClosePolicy: ParentClosePolicy.ABANDON, ...shown });
    // Both settle first: a lifecycle that started is on the timeline and told of the renewal even
    // if the follow-up's start failed (that failure is raised below, after this bookkeeping).
    if (together) await Promise.allSettled([followUp, lifecycle]);
    await lifecycle;
    s.timeline.push({ at: nowIso(), stage: s.stage, event: 'lifecycle-started', note: lifecycleId });
    if (cert.supersedes) {
      try {
        await getExternalWorkflowHandle(lifecycleWorkflowId(cert.supersedes)).signal(renewalIssuedSignal, {
          applicationId: app.applicationId,
          newCertificateNumber: cert.number,
          at: nowIso(),
        });
      } catch (err) {
        // The old certificate predates lifecycles, or its lifecycle already ended: the database says superseded.
        log.warn('no lifecycle to hand over from', { certificate: cert.supersedes, error: String(err) });
      }
    }
  }
  if (together) await followUp;
}

/** Hand-off to after-issuance work: a child with its own id, outliving this workflow. */
async function startFollowUp(ctx: CaseContext, policy: PolicyVersion, path: ApprovalPath, certificateNumber: string, issuedAt: string): Promise<void> {
  const { app, id, s, nowIso } = ctx;
  const followUp = followUpFor(policyById(policy.id), path);
  if (!followUp) return;
  const childId = followUpWorkflowId(id);
  const childInput: FollowUpInput = {
    applicationId: app.applicationId,
    certificateNumber,
    province: app.province,
    product: app.product,
    uscc: app.enterprise.uscc,
    kind: followUp.kind,
    window: followUp.window,
    issuedAt,
    policyVersion: policy.id,
  };
  await startChild(followUpInspection, {
    workflowId: childId,
    args: [childInput],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  s.followUpWorkflowId = childId;
  s.timeline.push({ at: nowIso(), stage: s.stage, event: `follow-up-started:${followUp.kind}`, note: childId });
}

/** A start sets attributes; an unset one (null) is simply left out. */
const isSet = (p: SearchAttributeUpdatePair): p is SearchAttributePair => p.value !== null;
