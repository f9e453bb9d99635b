/**
 * The soak's cases: each scenario drives one case through the API as its people would, retrying
 * what a fault interrupted (same Idempotency-Key, so a retry is never a second decision), and says
 * which end state it expects. The checks (soak-checks.ts) then compare every case with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { withUsccCheck } from '../../domain/uscc';
import { bearerFor, call, type Driver, expectOk, until } from './soak-http';
import { runSupervision, SUPERVISION_SCENARIOS, type SupervisionExpected, type SupervisionScenario } from './soak-supervision';

export type { Driver } from './soak-http';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const freshUscc = () => withUsccCheck(`91110000${Array.from(randomBytes(9), (b) => USCC_ALPHABET[b % USCC_ALPHABET.length]).join('')}`);

type ApprovalScenario = 'post-verification' | 'follow-up-passed' | 'supplement' | 'pause' | 'refused' | 'rejected' | 'verify-then-issue';
/** The approval paths, then (R11-R18) the supervision paths, each run on a licence the case issues first. */
export type ScenarioName = ApprovalScenario | SupervisionScenario;
export const SCENARIOS: ScenarioName[] = ['post-verification', 'follow-up-passed', 'supplement', 'pause', 'refused', 'rejected', 'verify-then-issue', ...SUPERVISION_SCENARIOS];
const isSupervision = (s: ScenarioName): s is SupervisionScenario => (SUPERVISION_SCENARIOS as readonly string[]).includes(s);

export interface Expected {
  id: string;
  scenario: ScenarioName;
  stage: 'issued' | 'refused' | 'rejected-at-intake';
  /** The follow-up's stage when the script drove it; otherwise it waits for its inspection. */
  followUp?: 'closed' | 'awaiting-inspection';
  /** e-CQS events the case must have produced, in order. */
  ecqs: string[];
  /** What the supervision path run on the case's licence must have left (soak-supervision-checks.ts). */
  supervision?: SupervisionExpected;
}

function applicationFor(scenario: ScenarioName, uscc: string, id: string): Record<string, unknown> {
  const fertiliser = scenario === 'verify-then-issue';
  return {
    applicationId: id,
    province: 'BJ',
    type: 'new',
    enterprise: { uscc, name: '北京浸泡测试有限公司', registeredAddress: '北京市房山区示范路1号' },
    productionAddresses: [{ province: 'BJ', address: '北京市房山区示范路1号厂区' }],
    product: fertiliser ? 'fertiliser' : 'cement',
    productNames: [fertiliser ? '复合肥料' : '通用硅酸盐水泥 P·O 42.5'],
    documents: [
      { name: '营业执照', type: 'business-licence', sha256: sha('licence') },
      { name: '产品检验报告', type: 'inspection-report', sha256: sha('report') },
      ...(fertiliser ? [] : [{ name: '项目备案', type: 'investment-filing', sha256: sha('filing') }]),
    ],
    qualitySafetyCommitment: { signedBy: '张三', signedAt: '2026-01-05T02:00:00Z', statementSha256: sha('qs-commitment') },
    ...(fertiliser
      ? {}
      : {
          investmentFiling: { kind: 'filing', authority: '北京市发展和改革委员会', number: '京发改(备)〔2025〕18号', date: '2025-06-30', approvedCapacity: { value: 1_000_000, unit: 't/year' } },
          capacity: { declared: { value: 800_000, unit: 't/year' }, addsCapacity: false },
        }),
  };
}

/** Drives one case; resolves with what it should end as, rejects with what went wrong. */
export async function runScenario(d: Driver, scenario: ScenarioName, n: number): Promise<Expected> {
  const uscc = freshUscc();
  const id = `SOAK-${n.toString().padStart(5, '0')}-${randomBytes(3).toString('hex')}`;
  const bearer = (o: Parameters<typeof bearerFor>[1]) => bearerFor(d, o);
  const applicant = await bearer({ sub: `ent-${id}`, role: 'applicant', uscc });
  const officer = await bearer({ sub: 'soak-officer', role: 'acceptance-officer', province: 'BJ' });
  const reviewer = await bearer({ sub: 'soak-reviewer', role: 'reviewer', province: 'BJ' });
  const approver = await bearer({ sub: 'soak-approver', role: 'approver', province: 'BJ' });
  const supervisor = await bearer({ sub: 'soak-supervisor', role: 'supervisor', province: 'BJ' });
  const post = (path: string, token: string, body: unknown, step: string) =>
    expectOk(`${id} ${step}`, call(d, 'POST', `/applications/${id}${path}`, token, body, `${id}-${step}`), [200, 201, 202]);

  await expectOk(`${id} submit`, call(d, 'POST', '/applications', applicant, applicationFor(scenario, uscc, id)));
  await until(d, id, officer, (c) => c.stage === 'received', 'receipt');

  if (scenario === 'rejected') {
    await post('/reject', officer, { reasons: ['材料不齐全且不属于补正范围'] }, 'reject');
    await until(d, id, officer, (c) => c.stage === 'rejected-at-intake', 'refusal at intake');
    return { id, scenario, stage: 'rejected-at-intake', ecqs: ['rejected-at-intake'] };
  }
  if (scenario === 'supplement') {
    await post('/supplement-request', officer, { items: ['质量管理手册'] }, 'supplement-request');
    await post('/supplement', applicant, { documents: [{ name: '质量管理手册', type: 'quality-manual', sha256: sha(`manual-${id}`) }] }, 'supplement');
    await until(d, id, officer, (c) => c.stage === 'received', 'supplemented');
  }
  await post('/accept', officer, { note: 'materials complete' }, 'accept');
  await until(d, id, approver, (c) => Boolean(c.path && c.deadline), 'routing');

  if (scenario === 'pause') {
    await post('/pause', reviewer, { kind: 'testing', reason: '产品送检', applicantNotifiedAt: new Date().toISOString() }, 'pause');
    await post('/resume', reviewer, { note: '检验完成' }, 'resume');
  }
  if (scenario === 'refused') {
    await post('/refuse', approver, { reasons: ['生产条件不符合要求'] }, 'refuse');
    await until(d, id, approver, (c) => c.stage === 'refused', 'refusal');
    return { id, scenario, stage: 'refused', ecqs: ['accepted', 'refused'] };
  }
  if (scenario === 'verify-then-issue') {
    await post('/verification', reviewer, { result: 'pass', verifierIds: d.verifiers.slice(0, 2), findings: '符合要求' }, 'verification');
  }
  await post('/approve', approver, { note: 'conditions met' }, 'approve');
  const issued = await until(d, id, approver, (c) => c.stage === 'issued' && Boolean(c.certificate?.number), 'issuance');
  const ecqs = ['accepted', 'approved', 'certificate-issued'];
  if (isSupervision(scenario)) {
    const supervision = await runSupervision(d, scenario, { id, uscc, product: 'cement', certificateNumber: issued.certificate.number });
    return { id, scenario, stage: 'issued', followUp: 'awaiting-inspection', ecqs, supervision };
  }
  if (scenario === 'verify-then-issue') return { id, scenario, stage: 'issued', ecqs };

  if (scenario === 'follow-up-passed') {
    await until(d, id, supervisor, (f) => f.stage === 'awaiting-inspection', 'follow-up', `/applications/${id}/follow-up`);
    const team = d.verifiers.slice(0, 2);
    await post('/follow-up/team', supervisor, { verifierIds: team }, 'team');
    await post('/follow-up/inspection', supervisor, { outcome: 'pass', verifierIds: team, findings: '现场核查通过' }, 'inspection');
    await until(d, id, supervisor, (f) => f.stage === 'closed', 'follow-up closed', `/applications/${id}/follow-up`);
    return { id, scenario, stage: 'issued', followUp: 'closed', ecqs };
  }
  return { id, scenario, stage: 'issued', followUp: 'awaiting-inspection', ecqs };
}
