/** Public routes, no token: the certificate check (R05, L05, L07) and the working-day calculator (L03). */
import type { z } from 'zod';
import { CalendarDataError, CalendarInputError, type Calendar } from '../../domain/calendar';
import { certificateStatusText, isActive } from '../../domain/licence/certificate';
import { PRODUCTS } from '../../domain/policy';
import { shanghaiDate } from '../../domain/time';
import { findCertificateForCheck } from '../../db/certificates';
import { currentCalendar } from '../../infra/calendar';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import * as S from '../schemas';
import { E } from './common';

// ---- public -------------------------------------------------------------------------------------
const certificate = defineRoute({
  method: 'get',
  path: '/certificates/:number',
  operationId: 'checkCertificate',
  tag: 'public',
  summary: 'Check a certificate',
  description:
    'Anyone may check a certificate number: its status, product and validity, an open rectification order (R15), and the certificate\'s canonical content with its ' +
    'SHA-256 stored at issuance (R05: sha256(content) = contentSha256). No enterprise identity (the holder is in the content only as a digest) and no personal data.',
  rules: ['R05', 'L05', 'L07', 'R15'],
  roles: 'public',
  params: S.CertificateParams,
  responses: { 200: { description: 'the certificate', schema: S.CertificateCheck }, 404: { description: 'no certificate with this number' }, 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const row = await fromDb('the certificate register', () => findCertificateForCheck(deps.pool, params.number));
    if (!row) throw new HttpProblem('not-found', `no certificate ${params.number}`);
    const today = shanghaiDate(Date.now());
    // L05: past its validity a valid certificate is expired; deemed-renewed is stored by the renewal process.
    const status = row.status === 'valid' && row.validUntil < today ? 'expired' : row.status;
    const body: z.infer<typeof S.CertificateCheck> = {
      number: row.number,
      status,
      product: row.product,
      productName: `${PRODUCTS[row.product]?.nameZh ?? row.product} (${PRODUCTS[row.product]?.nameEn ?? row.product})`,
      productNames: row.productNames,
      province: row.province as z.infer<typeof S.CertificateCheck>['province'],
      issuedOn: row.issuedOn,
      validUntil: row.validUntil,
      ...(row.supersededBy ? { supersededBy: row.supersededBy } : {}),
      statusText: certificateStatusText(status, row.rectification),
      ...(row.rectification && isActive(status) ? { rectificationOrder: row.rectification } : {}),
      content: row.canonicalContent,
      ...(row.contentSha256 ? { contentSha256: row.contentSha256 } : {}),
      checkedOn: today,
    };
    return { status: 200, body };
  },
});

const deadline = defineRoute({
  method: 'get',
  path: '/calendar/deadline',
  operationId: 'workingDayDeadline',
  tag: 'public',
  summary: 'Compute a working-day deadline',
  description: 'The nth working day after `from` (`from` not counted), per the State Council holiday notices; years without a published notice are provisional.',
  rules: ['L03', 'R07'],
  roles: 'public',
  query: S.DeadlineQuery,
  responses: { 200: { description: 'the deadline date', schema: S.DeadlineResponse }, 422: E[422], 503: { description: 'the calendar data cannot be loaded' } },
  async handler({ deps, query }) {
    const n = Number(query.n);
    let calendar: Calendar;
    try {
      calendar = currentCalendar(deps.calendarDir);
    } catch (err) {
      if (err instanceof CalendarDataError) throw new HttpProblem('unavailable', err.message);
      throw err;
    }
    try {
      const r = calendar.addWorkingDays(query.from, n);
      return { status: 200, body: { from: query.from, n, date: r.date, provisional: r.provisional, calendarVersion: calendar.version } };
    } catch (err) {
      if (err instanceof CalendarInputError) throw new HttpProblem('validation', err.message, [{ path: 'query.from', message: err.message }]);
      throw err;
    }
  },
});

export const publicRoutes: AnyRoute[] = [certificate, deadline];
