/**
 * One page of an import run (issue 19), in one transaction: new certificates written with their
 * source, their serials reserved (L07), an audit row each, bans and grade history recorded, and
 * every row's outcome stored. The page's rows are locked first and an outcome is written once,
 * so a retried or repeated page changes nothing and answers the same.
 */
import type { Pool, PoolClient } from 'pg';
import type { ImportEcqsMode, ImportPageResult } from '../domain/licence/import-messages';
import { certificateStatusOf, type ImportedFact, type ImportedLicence, type ImportRecord } from '../domain/licence/import-rows';
import type { LifecycleInput } from '../domain/licence/messages';
import { banFor } from '../domain/licence/revocation';
import { CERTIFICATE_NUMBER, certificateContentSha256 } from '../domain/licence/certificate';
import { PRODUCTS } from '../domain/policy';
import { lifecycleWorkflowId } from '../domain/workflow-ids';
import { enqueueCertificateEvent } from './ecqs-outbox';
import { type ChangedRow, differences } from './imports';
import { inTransaction } from './tx';

interface PageRow {
  line: number;
  kind: string | null;
  record_key: string | null;
  record: ImportRecord | null;
  record_hash: string | null;
  outcome: string | null;
}

type Outcome = { line: number; outcome: 'imported' | 'unchanged' | 'changed'; detail?: Omit<ChangedRow, 'line' | 'key'> };

export interface PageInput {
  importId: string;
  afterLine: number;
  limit: number;
  ecqs: ImportEcqsMode;
  /** Policy version the started lifecycles follow (the one in force today). */
  policyVersion: string;
  /** Licences valid through before this date get no lifecycle (they end today). */
  today: string;
  occurredAt: string;
}

export async function applyImportPage(pool: Pool, input: PageInput): Promise<ImportPageResult> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<PageRow>(
      `SELECT line, kind, record_key, record, record_hash, outcome FROM import_rows
        WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3 FOR UPDATE`,
      [input.importId, input.afterLine, input.limit],
    );
    const pending = rows.filter((r) => r.outcome === null && r.record);
    const outcomes: Outcome[] = [
      ...(await applyLicences(c, input, pending.filter((r) => r.kind === 'licence'))),
      ...(await applyFacts(c, input, pending.filter((r) => r.kind !== 'licence'))),
    ];
    if (outcomes.length) {
      await c.query(
        `UPDATE import_rows r SET outcome = x.outcome, detail = x.detail
           FROM jsonb_to_recordset($2::jsonb) AS x(line int, outcome text, detail jsonb)
          WHERE r.import_id = $1 AND r.line = x.line AND r.outcome IS NULL`,
        [input.importId, JSON.stringify(outcomes)],
      );
    }
    const done = new Map(outcomes.map((o) => [o.line, o.outcome]));
    const counts = { imported: 0, unchanged: 0, changed: 0, refused: 0 };
    for (const r of rows) {
      const o = (r.outcome ?? done.get(r.line)) as keyof typeof counts | undefined;
      if (o) counts[o]++;
    }
    const active = rows.filter((r) => r.kind === 'licence' && ['imported', 'unchanged'].includes(r.outcome ?? done.get(r.line) ?? '')).map((r) => r.record_key!);
    return {
      lastLine: rows.length ? rows[rows.length - 1]!.line : input.afterLine,
      done: rows.length < input.limit,
      counts,
      lifecycles: await lifecyclesToStart(c, active, input),
    };
  });
}

async function applyLicences(c: PoolClient, input: PageInput, rows: PageRow[]): Promise<Outcome[]> {
  if (!rows.length) return [];
  const numbers = rows.map((r) => r.record_key!);
  const existing = await c.query<{ number: string; source: string; import_hash: string | null; application_id: string | null; old: ImportedLicence | null }>(
    `SELECT c.number, c.source, c.import_hash, c.application_id, r.record AS old
       FROM certificates c LEFT JOIN import_rows r ON r.import_id = c.import_id AND r.line = c.import_line
      WHERE c.number = ANY($1) ORDER BY c.number FOR UPDATE OF c`,
    [numbers],
  );
  const found = new Map(existing.rows.map((x) => [x.number, x]));
  const out: Outcome[] = [];
  const fresh: { row: PageRow; l: ImportedLicence }[] = [];
  for (const row of rows) {
    const l = row.record as ImportedLicence;
    const onRecord = found.get(l.certificateNumber);
    if (!onRecord) fresh.push({ row, l });
    else if (onRecord.source === 'import' && onRecord.import_hash === row.record_hash) out.push({ line: row.line, outcome: 'unchanged' });
    else if (onRecord.source === 'issued') {
      out.push({ line: row.line, outcome: 'changed', detail: { reason: `certificate issued by this system (application ${onRecord.application_id}): not overwritten` } });
    } else {
      const fields = onRecord.old ? differences(onRecord.old as unknown as Record<string, unknown>, l as unknown as Record<string, unknown>) : undefined;
      out.push({ line: row.line, outcome: 'changed', detail: { reason: 'on record from an earlier import with other particulars: not overwritten', ...(fields ? { fields } : {}) } });
    }
  }
  if (!fresh.length) return out;
  const inserted = await c.query<{ number: string }>(
    `INSERT INTO certificates (number, application_id, province, uscc, enterprise_name, enterprise_address, production_addresses, product,
                               product_names, issued_on, valid_until, status, status_changed_at, source, import_id, import_line, import_hash, issuing_authority, content_sha256)
     SELECT x.number, NULL, x.province, x.uscc, x.enterprise_name, x.enterprise_address, x.production_addresses, x.product, x.product_names,
            x.issued_on::date, x.valid_until::date, x.status, COALESCE((x.status_date || 'T00:00:00+08:00')::timestamptz, now()), 'import', $2, x.line, x.hash, x.issuing_authority, x.content_sha256
       FROM jsonb_to_recordset($1::jsonb) AS x(number text, province text, uscc text, enterprise_name text, enterprise_address text, production_addresses jsonb,
            product text, product_names jsonb, issued_on text, valid_until text, status text, status_date text, line int, hash text, issuing_authority text, content_sha256 text)
     ON CONFLICT (number) DO NOTHING RETURNING number`,
    [
      JSON.stringify(
        fresh.map(({ row, l }) => ({
          // R05: the content hash of the certificate as imported, like one issued here.
          content_sha256: certificateContentSha256({
            number: l.certificateNumber,
            enterpriseName: l.enterpriseName,
            enterpriseAddress: l.registeredAddress,
            productionAddresses: l.productionAddresses.map((address) => ({ province: l.province, address })),
            product: l.product,
            productNames: l.productNames,
            issuedOn: l.issuedOn,
            validUntil: l.validUntil,
          }),
          number: l.certificateNumber,
          province: l.province,
          uscc: l.uscc,
          enterprise_name: l.enterpriseName,
          enterprise_address: l.registeredAddress,
          production_addresses: l.productionAddresses.map((address) => ({ province: l.province, address })),
          product: l.product,
          product_names: l.productNames,
          issued_on: l.issuedOn,
          valid_until: l.validUntil,
          status: certificateStatusOf(l.status),
          status_date: l.statusDate ?? null,
          line: row.line,
          hash: row.record_hash,
          issuing_authority: l.issuingAuthority,
        })),
      ),
      input.importId,
    ],
  );
  const written = new Set(inserted.rows.map((r) => r.number));
  const serials = new Map<string, { province: string; industry_code: string; product_code: string; last_serial: number }>();
  const audit: unknown[] = [];
  for (const { row, l } of fresh) {
    if (!written.has(l.certificateNumber)) {
      out.push({ line: row.line, outcome: 'changed', detail: { reason: 'a certificate with this number was written meanwhile: not overwritten' } });
      continue;
    }
    out.push({ line: row.line, outcome: 'imported' });
    // L07: the number's serial is taken; new issuance continues after the highest.
    const m = CERTIFICATE_NUMBER.exec(l.certificateNumber)!;
    const p = PRODUCTS[l.product];
    const k = `${l.province}|${p.industryCode}|${p.productCode}`;
    const serial = Number(m[4]);
    if ((serials.get(k)?.last_serial ?? 0) < serial) serials.set(k, { province: l.province, industry_code: p.industryCode, product_code: p.productCode, last_serial: serial });
    audit.push({
      event_key: `import:${input.importId}:${row.line}`,
      application_id: lifecycleWorkflowId(l.certificateNumber),
      certificate_no: l.certificateNumber,
      details: { importId: input.importId, line: row.line, status: l.status, issuingAuthority: l.issuingAuthority, issuedOn: l.issuedOn, validUntil: l.validUntil },
    });
  }
  if (serials.size) {
    await c.query(
      `INSERT INTO certificate_serials (province, industry_code, product_code, last_serial)
       SELECT x.province, x.industry_code, x.product_code, x.last_serial
         FROM jsonb_to_recordset($1::jsonb) AS x(province text, industry_code text, product_code text, last_serial int)
        ORDER BY 1, 2, 3
       ON CONFLICT (province, industry_code, product_code) DO UPDATE SET last_serial = GREATEST(certificate_serials.last_serial, EXCLUDED.last_serial)`,
      [JSON.stringify([...serials.values()])],
    );
  }
  if (audit.length) {
    await c.query(
      `INSERT INTO audit_events (event_key, application_id, certificate_no, action, actor_id, actor_role, details, occurred_at)
       SELECT x.event_key, x.application_id, x.certificate_no, 'licence-imported', 'import', 'ops', x.details, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(event_key text, application_id text, certificate_no text, details jsonb)
       ON CONFLICT (event_key) DO NOTHING`,
      [JSON.stringify(audit), input.occurredAt],
    );
  }
  // Grade history carried by the licence rows themselves (R17): a revocation, a suspension of production.
  for (const { row, l } of fresh) {
    if (!written.has(l.certificateNumber)) continue;
    if (l.status === 'revoked' || l.status === 'suspended') {
      const fact: ImportedFact = {
        kind: l.status === 'revoked' ? 'revocation' : 'rectification-order',
        uscc: l.uscc,
        product: l.product,
        certificateNumber: l.certificateNumber,
        startsOn: l.statusDate!,
        ...(l.statusGround ? { ground: l.statusGround } : {}),
        ...(l.statusReason ? { reason: l.statusReason } : {}),
      };
      await insertHistory(c, input.importId, `${l.status}:${l.certificateNumber}`, row.record_hash!, fact, l.status === 'suspended' ? 'suspension' : 'revocation');
    }
    // R06: SAMR already knows licences issued before this system; sent only when configured.
    if (input.ecqs === 'on') {
      await enqueueCertificateEvent(c, { eventKey: `import:${input.importId}:${row.line}`, event: 'certificate-issued', certificateNumber: l.certificateNumber, occurredAt: input.occurredAt });
    }
  }
  return out;
}

async function insertHistory(c: PoolClient, importId: string, key: string, hash: string, f: ImportedFact, kind: string): Promise<boolean> {
  const r = await c.query(
    `INSERT INTO supervision_history (record_key, record_hash, uscc, product, certificate_no, kind, occurred_on, ends_on, ground, reason, import_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (record_key) DO NOTHING`,
    [key, hash, f.uscc, f.product, f.certificateNumber ?? null, kind, f.startsOn, f.endsOn ?? null, f.ground ?? null, f.reason ?? null, importId],
  );
  return r.rowCount === 1;
}

/** Bans (L04, L08) and grade history (R17) from the old system. */
async function applyFacts(c: PoolClient, input: PageInput, rows: PageRow[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const row of rows) {
    const f = row.record as ImportedFact;
    const key = row.record_key!;
    let fresh: boolean;
    if (f.kind === 'ban') {
      const rule = banFor(f.ground!, f.product);
      const r = await c.query(
        `INSERT INTO bans (uscc, product, ground, rule, reason, starts_on, ends_on, certificate_no, source, record_key, record_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7,
                 (SELECT number FROM certificates WHERE number = $8 AND NOT EXISTS (SELECT 1 FROM bans WHERE certificate_no = $8)),
                 'import', $9, $10)
         ON CONFLICT (record_key) DO NOTHING`,
        [f.uscc, f.product, f.ground, rule?.rule ?? 'L04', f.reason ?? rule?.why ?? 'ban imported from the previous system', f.startsOn, f.endsOn, f.certificateNumber ?? null, key, row.record_hash],
      );
      fresh = r.rowCount === 1;
    } else {
      fresh = await insertHistory(c, input.importId, key, row.record_hash!, f, f.kind);
    }
    if (fresh) {
      out.push({ line: row.line, outcome: 'imported' });
      continue;
    }
    const prior = await c.query<{ record_hash: string }>(
      'SELECT record_hash FROM bans WHERE record_key = $1 UNION ALL SELECT record_hash FROM supervision_history WHERE record_key = $1',
      [key],
    );
    out.push(prior.rows[0]?.record_hash === row.record_hash ? { line: row.line, outcome: 'unchanged' } : { line: row.line, outcome: 'changed', detail: { reason: `${f.kind} on record with other particulars: not overwritten` } });
  }
  return out;
}

/** Valid imported licences of the page whose lifecycle is not known to run, as lifecycle inputs (L05). */
async function lifecyclesToStart(c: PoolClient, numbers: string[], input: PageInput): Promise<LifecycleInput[]> {
  if (!numbers.length) return [];
  const r = await c.query<{ number: string; province: string; product: LifecycleInput['product']; uscc: string; enterprise_name: string; enterprise_address: string; issued_on: string; valid_until: string }>(
    `SELECT number, province, product, uscc, enterprise_name, enterprise_address,
            to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until
       FROM certificates
      WHERE number = ANY($1) AND source = 'import' AND status = 'valid' AND lifecycle_started_at IS NULL AND valid_until >= $2::date
      ORDER BY import_line`,
    [numbers, input.today],
  );
  return r.rows.map((x) => ({
    certificateNumber: x.number,
    applicationId: lifecycleWorkflowId(x.number),
    province: x.province,
    product: x.product,
    uscc: x.uscc,
    enterpriseName: x.enterprise_name,
    enterpriseAddress: x.enterprise_address,
    policyVersion: input.policyVersion,
    issuedOn: x.issued_on,
    validUntil: x.valid_until,
  }));
}

/** The lifecycles of these certificates run (started now, or found running). */
export async function markLifecyclesStarted(pool: Pool, numbers: string[]): Promise<number> {
  if (!numbers.length) return 0;
  const r = await pool.query('UPDATE certificates SET lifecycle_started_at = now() WHERE number = ANY($1) AND lifecycle_started_at IS NULL', [numbers]);
  return r.rowCount ?? 0;
}

/** How many of these certificates' lifecycles have run their first step (audit `lifecycle-started`). */
export async function countLifecyclesRunning(pool: Pool, numbers: string[]): Promise<number> {
  if (!numbers.length) return 0;
  const r = await pool.query<{ n: number }>(
    `SELECT count(DISTINCT certificate_no)::int AS n FROM audit_events WHERE action = 'lifecycle-started' AND certificate_no = ANY($1)`,
    [numbers],
  );
  return r.rows[0]!.n;
}
