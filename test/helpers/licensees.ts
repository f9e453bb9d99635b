/**
 * Synthetic licensees for supervision tests (R11, R17): certificates written as imported ones
 * (no application behind them), which is how a province's existing licensees arrive too.
 */
import type { Pool } from 'pg';

export interface SeedLicence {
  number: string;
  uscc: string;
  province?: string;
  product?: string;
  issuedOn?: string;
  status?: 'valid' | 'revoked' | 'cancelled' | 'expired';
  /** Civil date of the status change (revocations). */
  statusOn?: string;
}

export async function seedLicences(pool: Pool, licences: readonly SeedLicence[]): Promise<void> {
  const rows = licences.map((l) => ({
    number: l.number,
    uscc: l.uscc,
    province: l.province ?? 'BJ',
    product: l.product ?? 'broadcast-equipment',
    issued_on: l.issuedOn ?? '2020-01-06',
    status: l.status ?? 'valid',
    status_on: l.statusOn ?? null,
  }));
  await pool.query(
    `INSERT INTO certificates (number, application_id, province, uscc, enterprise_name, enterprise_address, production_addresses, product, product_names,
                               issued_on, valid_until, status, status_changed_at, source, import_id, import_line, import_hash, issuing_authority)
     SELECT x.number, NULL, x.province, x.uscc, '企业 ' || x.uscc, '北京市', '[]'::jsonb, x.product, '[]'::jsonb, x.issued_on::date,
            (x.issued_on::date + interval '5 years')::date, x.status, COALESCE((x.status_on || 'T00:00:00+08:00')::timestamptz, now()),
            'import', 'seed', 0, 'seed', 'seed'
       FROM jsonb_to_recordset($1::jsonb) AS x(number text, uscc text, province text, product text, issued_on text, status text, status_on text)`,
    [JSON.stringify(rows)],
  );
}
