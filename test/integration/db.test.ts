import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseActivities } from '../../activities/approval/cases';
import { createLicenceActivities } from '../../activities/licence/licence';
import { migrate } from '../../db/migrate';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeApplication } from '../helpers/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('PostgreSQL schema', () => {
  it('foundation: migrations apply to a fresh database once, and a second run applies nothing', async () => {
    const applied = await db.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(applied.rows[0]?.name).toBe('0001_core.sql');
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('R05: an application written by the receipt activity reads back whole, and a retry writes nothing twice', async () => {
    const acts = createCaseActivities(db.pool);
    const app = makeApplication();
    const input = { application: app, receivedAt: '2026-11-20T02:00:00.000Z', eventKey: `${app.applicationId}:received:1` };
    await acts.recordReceipt(input);
    await acts.recordReceipt(input);
    const row = await db.pool.query('SELECT payload, stage FROM applications WHERE id = $1', [app.applicationId]);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0].payload).toEqual(app);
    expect(row.rows[0].stage).toBe('received');
    const audit = await db.pool.query('SELECT count(*)::int AS n FROM audit_events WHERE application_id = $1', [app.applicationId]);
    expect(audit.rows[0].n).toBe(1);
  });

  it('audit: the audit trail is append-only', async () => {
    await expect(db.pool.query("UPDATE audit_events SET reason = 'rewritten'")).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });

  it('L07: certificate numbers are sequential per province and product, one per case under retries', async () => {
    const acts = createCaseActivities(db.pool);
    const numbers: string[] = [];
    for (const province of ['GD', 'GD', 'ZJ'] as const) {
      const app = makeApplication({ province, productionAddresses: [{ province, address: '某市某区某路1号' }] });
      await acts.recordReceipt({ application: app, receivedAt: '2026-11-20T02:00:00.000Z', eventKey: `${app.applicationId}:received:1` });
      const input = { applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt: '2026-11-27T02:00:00.000Z', issuedOn: '2026-11-27', policyVersion: '2024-09-25' };
      const [a, b] = await Promise.all([acts.issueCertificate(input), acts.issueCertificate(input)]);
      expect(a).toEqual(b);
      expect(a.validUntil).toBe('2031-11-26');
      numbers.push(a.number);
    }
    expect(numbers).toEqual(['(粤)XK08-001-00001', '(粤)XK08-001-00002', '(浙)XK08-001-00001']);
  });

  it('R06: a change, a cancellation and a revocation each become one e-CQS record, in order, written with the state change', async () => {
    const acts = createCaseActivities(db.pool);
    const sup = createLicenceActivities(db.pool);
    const certs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = makeApplication();
      await acts.recordReceipt({ application: app, receivedAt: '2026-11-20T02:00:00.000Z', eventKey: `${app.applicationId}:received:1` });
      const c = await acts.issueCertificate({ applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt: '2026-11-27T02:00:00.000Z', issuedOn: '2026-11-27', policyVersion: '2024-09-25' });
      certs.push(c.number);
    }
    const [a, b] = certs as [string, string];
    const base = { applicationId: 'n/a', actor: { id: 'sup-1', role: 'supervisor' as const }, occurredAt: '2026-11-28T02:00:00.000Z' };
    const change = { ...base, eventKey: `licence/${a}:change:1`, certificateNumber: a, action: 'licence-changed', enterpriseName: '北京新名称水泥有限公司' };
    await sup.changeCertificateParticulars(change);
    await sup.changeCertificateParticulars(change); // a retry
    await sup.setCertificateStatus({ ...base, eventKey: `licence/${a}:cancel:1`, certificateNumber: a, action: 'licence-cancelled', status: 'cancelled', reason: '企业申请注销' });
    await sup.revokeCertificate({ certificateNumber: b, ground: 'false-commitment', reason: '承诺不实', source: 'test', occurredAt: base.occurredAt, actor: base.actor });
    await sup.revokeCertificate({ certificateNumber: b, ground: 'false-commitment', reason: '承诺不实', source: 'test', occurredAt: base.occurredAt, actor: base.actor });
    const rows = await db.pool.query<{ event: string; payload: { certificateNumber?: string } }>(
      "SELECT event, payload FROM ecqs_outbox WHERE event IN ('certificate-changed', 'certificate-cancelled', 'certificate-revoked') ORDER BY id",
    );
    expect(rows.rows.map((r) => r.event)).toEqual(['certificate-changed', 'certificate-cancelled', 'certificate-revoked']);
    expect(JSON.stringify(rows.rows[2]!.payload)).toContain(b);
  });
});
