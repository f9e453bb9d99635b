/**
 * L07: a change (变更) adding product units or specifications (增项) to the certificate an
 * enterprise holds for the product: same number, the product list and production addresses
 * extended, a new electronic version, an e-CQS `certificate-changed` record. One amendment per
 * case however often this runs (keyed by the workflow's event key).
 */
import type { Pool } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import type { ApplicationInput } from '../../domain/approval/application';
import { appendAudit } from '../../db/audit';
import { stampCertificateContent } from '../../db/certificates';
import { enqueueCertificateEvent } from '../../db/ecqs-outbox';
import { inTransaction } from '../../db/tx';

export interface AmendedCertificate {
  number: string;
  issuedOn: string;
  validUntil: string;
  /** The electronic version now in force (1 at issuance). */
  version: number;
  productNames: string[];
}

type Address = ApplicationInput['productionAddresses'][number];

export function createAmendmentActivities(pool: Pool) {
  return {
    async amendCertificate(input: { applicationId: string; eventKey: string; issuedAt: string; issuedOn: string; stageSeq?: number }): Promise<AmendedCertificate> {
      return inTransaction(pool, async (c) => {
        const row = await c.query<{ payload: ApplicationInput }>('SELECT payload FROM applications WHERE id = $1 FOR UPDATE', [input.applicationId]);
        const app = row.rows[0]?.payload;
        if (!app) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no record`, 'MissingApplication');
        const number = app.currentCertificateNumber;
        if (app.type !== 'change' || !number) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} is not a change naming a certificate`, 'NotAChange');
        const current = await c.query<{ uscc: string; province: string; product: string; status: string; product_names: string[]; production_addresses: Address[]; version: number; issued_on: string; valid_until: string }>(
          `SELECT uscc, province, product, status, product_names, production_addresses, version,
                  to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until
             FROM certificates WHERE number = $1 FOR UPDATE`,
          [number],
        );
        const cert = current.rows[0];
        const answer = (x: typeof cert & object): AmendedCertificate => ({ number, issuedOn: x.issued_on, validUntil: x.valid_until, version: x.version, productNames: x.product_names });
        // A retry after the amendment committed: what is on record.
        const done = await c.query('SELECT 1 FROM audit_events WHERE event_key = $1', [input.eventKey]);
        if (done.rowCount && cert) return answer(cert);
        if (!cert || cert.uscc !== app.enterprise.uscc || cert.province !== app.province || cert.product !== app.product) {
          throw ApplicationFailure.nonRetryable(`certificate ${number} is not held by ${app.enterprise.uscc} for ${app.product} in ${app.province}`, 'CertificateNotHeld');
        }
        if (cert.status !== 'valid' && cert.status !== 'deemed-renewed') {
          throw ApplicationFailure.nonRetryable(`certificate ${number} became ${cert.status} before the change was issued: nothing to add to`, 'CertificateNotActive');
        }
        const addedNames = app.productNames.filter((n) => !cert.product_names.includes(n));
        const known = new Set(cert.production_addresses.map((a) => `${a.province}|${a.address}`));
        const addedAddresses = app.productionAddresses.filter((a) => !known.has(`${a.province}|${a.address}`));
        const productNames = [...cert.product_names, ...addedNames];
        const productionAddresses = [...cert.production_addresses, ...addedAddresses];
        const version = cert.version + 1;
        await c.query(
          'UPDATE certificates SET product_names = $2, production_addresses = $3, version = $4, version_issued_on = $5 WHERE number = $1',
          [number, JSON.stringify(productNames), JSON.stringify(productionAddresses), version, input.issuedOn],
        );
        // R05: what the certificate says changed, so its content hash changes with it.
        await stampCertificateContent(c, number);
        await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: 'certificate-amended',
          occurredAt: input.issuedAt,
          details: { number, version, added: { productNames: addedNames, productionAddresses: addedAddresses }, before: { version: cert.version, productNames: cert.product_names } },
        }, number);
        await c.query(
          `UPDATE applications SET stage = CASE WHEN $2::bigint >= stage_seq THEN 'issued' ELSE stage END, stage_seq = GREATEST(stage_seq, $2::bigint), updated_at = now() WHERE id = $1`,
          [input.applicationId, input.stageSeq ?? 0],
        );
        // R06: the change goes to e-CQS in this transaction (outbox), on the certificate's own stream.
        await enqueueCertificateEvent(c, {
          eventKey: input.eventKey,
          event: 'certificate-changed',
          certificateNumber: number,
          occurredAt: input.issuedAt,
          changes: { changeApplicationId: input.applicationId, version, productNames, productionAddresses: productionAddresses.map((a) => a.address), addedProductNames: addedNames },
        });
        return { number, issuedOn: cert.issued_on, validUntil: cert.valid_until, version, productNames };
      });
    },
  };
}

export type AmendmentActivities = ReturnType<typeof createAmendmentActivities>;
