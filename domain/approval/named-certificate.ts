/**
 * Refusals at receipt (不予受理) about what an application stands on, beside intake.ts:
 *
 * - R08, L05, L07: a renewal (延续) or a change (变更) names a certificate. It must be one the
 *   applicant holds, in the province it files with, for the product it applies for, in a state
 *   that can still be renewed or changed (valid or deemed-renewed). A renewal is taken from the
 *   day the holder is reminded (`earliestRenewalFiling`); earlier filings are refused, naming the
 *   first day they are taken.
 * - R09: where the policy in force at receipt approves the product by notification and
 *   commitment (fertiliser under 2020-09-29), the signed commitment is part of the application.
 *
 * The applicant reads these reasons, so "no such certificate" and "another enterprise's
 * certificate" get one and the same answer: nothing is learnt about other enterprises.
 */
import { ACTIVE_STATUSES, type LicenceStatus } from '../licence/messages';
import { renewalDueBy } from '../licence/certificate';
import { addCalendarDays } from '../time';
import { PRODUCTS, routeApplication, type PolicyVersion, type ProductId } from '../policy';
import type { ApplicationInput } from './application';
import type { IntakeRefusal } from './intake';

/** A certificate on record, as far as these checks need it. */
export interface NamedCertificate {
  number: string;
  province: string;
  uscc: string;
  product: ProductId;
  status: LicenceStatus;
  /** Printed validity end (inclusive). */
  validUntil: string;
  /** L05: set once the licence counts as renewed; the term then ends here. */
  deemedRenewedUntil: string | null;
}

/** The last day of the certificate's current term. */
export const termEnd = (c: NamedCertificate): string => c.deemedRenewedUntil ?? c.validUntil;

/**
 * L05: the first day a renewal of this certificate is taken. A renewal counts as filed in time up
 * to `renewalNoticeMonths` before the term ends (the lifecycle's deemed-renewal deadline); the
 * window opens `renewalReminderLeadDays` before that deadline, the day the holder is reminded, so
 * the reminder never asks for a filing intake would refuse. (Taken literally, "may be filed from
 * 6 months before expiry" and "filed at least 6 months before expiry" leave one day; docs/rules.md.)
 */
export function earliestRenewalFiling(c: NamedCertificate, policy: PolicyVersion): string {
  return addCalendarDays(renewalDueBy(termEnd(c), policy.renewalNoticeMonths), -policy.renewalReminderLeadDays);
}

/** The one answer for a certificate the applicant does not hold (or that does not exist). */
export function notHeldReason(app: Pick<ApplicationInput, 'type' | 'currentCertificateNumber' | 'enterprise'>): string {
  const what = app.type === 'renewal' ? 'a renewal (延续)' : 'a change (变更)';
  return `certificate ${app.currentCertificateNumber ?? '(none)'} is not held by enterprise ${app.enterprise.uscc}: ${what} names a certificate the applicant holds`;
}

/**
 * R08 (renewal), L07 (change), L05 (renewal timing): what refuses a renewal or change at receipt,
 * given the certificate it names (undefined when there is none on record). A new application
 * has nothing to check.
 */
export function namedCertificateRefusals(
  app: ApplicationInput,
  cert: NamedCertificate | null | undefined,
  receivedDate: string,
  policy: PolicyVersion,
): IntakeRefusal[] {
  if (app.type === 'new') return [];
  const rule = app.type === 'renewal' ? 'R08' : 'L07';
  if (!cert || cert.uscc !== app.enterprise.uscc) return [{ rule, reason: notHeldReason(app) }];
  const out: IntakeRefusal[] = [];
  const verb = app.type === 'renewal' ? 'renewed' : 'changed';
  if (cert.province !== app.province) {
    out.push({ rule, reason: `certificate ${cert.number} was issued by ${cert.province}: file the ${app.type} with ${cert.province} (R01)` });
  }
  if (cert.product !== app.product) {
    out.push({ rule, reason: `certificate ${cert.number} covers ${PRODUCTS[cert.product].nameEn}, not ${PRODUCTS[app.product].nameEn}` });
  }
  if (!ACTIVE_STATUSES.includes(cert.status)) {
    out.push({ rule, reason: `certificate ${cert.number} is ${cert.status}: only a valid or deemed-renewed licence can be ${verb}` });
  }
  if (app.type === 'renewal' && out.length === 0) {
    const earliest = earliestRenewalFiling(cert, policy);
    if (receivedDate < earliest) {
      out.push({
        rule: 'L05',
        reason: `certificate ${cert.number} is valid through ${termEnd(cert)}: a renewal is taken from ${earliest} (${policy.renewalReminderLeadDays} days before ${renewalDueBy(termEnd(cert), policy.renewalNoticeMonths)}, the last day to file in time, ${policy.renewalNoticeMonths} months before expiry), not on ${receivedDate}`,
      });
    }
  }
  return out;
}

/** R09: a product approved by notification and commitment under this policy needs the signed commitment. */
export function commitmentRefusals(app: ApplicationInput, policy: PolicyVersion): IntakeRefusal[] {
  const route = routeApplication(policy, {
    product: app.product,
    type: app.type,
    conditionsUnchanged: app.conditionsUnchanged,
    hasQualitySafetyCommitment: app.qualitySafetyCommitment !== undefined,
  });
  if (route.path !== 'commitment' || app.notificationCommitment) return [];
  return [{ rule: 'R09', reason: `${PRODUCTS[app.product].nameEn} under policy ${policy.id} is approved by notification and commitment (告知承诺): the signed commitment is missing` }];
}

/**
 * L07: one certificate per enterprise per product per province (the number carries the product
 * code). A `new` application for a product the enterprise already holds here, in force, is
 * refused, naming that certificate and the change route (增项) that adds product units or
 * specifications to it. A take-over naming that very certificate as its predecessor (R04) is
 * not a second certificate: the predecessor is cancelled before acceptance.
 */
export function oneCertificatePerProductRefusals(app: ApplicationInput, held: NamedCertificate | null | undefined): IntakeRefusal[] {
  if (app.type !== 'new' || !held) return [];
  if (held.uscc !== app.enterprise.uscc || held.province !== app.province || held.product !== app.product) return [];
  if (!ACTIVE_STATUSES.includes(held.status)) return [];
  if (app.predecessor?.certificateNumber === held.number) return [];
  return [
    {
      rule: 'L07',
      reason:
        `enterprise ${app.enterprise.uscc} already holds certificate ${held.number} for ${PRODUCTS[app.product].nameEn} in ${app.province} (${held.status} through ${termEnd(held)}): ` +
        `an enterprise holds one certificate per product; add product units or specifications to it by a change (变更, type 'change' naming ${held.number}), not a new application`,
    },
  ];
}

/**
 * L07 while applications are open: a `new` application received while another `new` one of the
 * same enterprise for the same product here is still undecided (or approved, its certificate not
 * yet issued) is refused at intake, naming that one; the first goes on.
 */
export function pendingNewApplicationRefusals(app: ApplicationInput, openApplicationId: string | undefined): IntakeRefusal[] {
  if (app.type !== 'new' || !openApplicationId || openApplicationId === app.applicationId) return [];
  return [
    {
      rule: 'L07',
      reason:
        `enterprise ${app.enterprise.uscc} already has application ${openApplicationId} open for ${PRODUCTS[app.product].nameEn} in ${app.province}: ` +
        'an enterprise holds one certificate per product, so one new application per product at a time; wait for its decision, or add to the certificate it brings by a change (变更)',
    },
  ];
}
