/**
 * The soak's supervision paths (R13, R14, R15, R18), each run on the licence its case has just
 * issued, driven through the API as their people would: a supervisor (registers, rounds, sampling,
 * laboratories, results, triage, signals), the enterprise (an objection), a registered reporter (a
 * submission), the drawn inspectors (a flight's result). Updates are retried with the same
 * Idempotency-Key; a submission, which has none, is looked up among the reporter's own before it
 * is sent again. Each path says what it must have left; soak-supervision-checks.ts compares.
 */
import { createHash } from 'node:crypto';
import { shanghaiDate } from '../../domain/time';
import { bearerFor, call, callOnce, type Driver, expectOk, type Json, sleep, until } from './soak-http';

export const SUPERVISION_SCENARIOS = ['spot-check-pass', 'spot-check-retest', 'report-dismissed', 'report-flight', 'risk-signal'] as const;
export type SupervisionScenario = (typeof SUPERVISION_SCENARIOS)[number];

/** The province the soak's licensees are in, and the inspectors it registers there so a flight's team can be drawn (R11, R13). */
export const SOAK_PROVINCE = 'BJ';
export const SOAK_INSPECTORS = ['I-SOAK-1', 'I-SOAK-2', 'I-SOAK-3'];
const SUPERVISOR = 'soak-supervisor';

export type SupervisionExpected =
  /** R15: closed with final result pass; `retest`: after a failing first test, a timely objection and a passing re-test by the other laboratory. */
  | { kind: 'spot-check'; uscc: string; roundId: string; spotCheckId: string; labs: [string, string]; retest: boolean }
  /** R18: one submission, triaged once; R13: a flight drawn from it, passed by its team. */
  | { kind: 'risk-report'; uscc: string; reporterId: string; ref: string; status: 'dismissed' | 'flight-inspection'; flightId?: string; recordedBy?: string }
  /** R14: one signal, one e-CQS `risk-signal` record. */
  | { kind: 'risk-signal'; uscc: string; signalKey: string };

export interface Licensee {
  id: string;
  uscc: string;
  product: string;
  certificateNumber: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Once before the cases: the inspectors of the province (a supervisor adds them, R11). */
export async function prepareSupervision(d: Driver): Promise<void> {
  const supervisor = await bearerFor(d, { sub: SUPERVISOR, role: 'supervisor', province: SOAK_PROVINCE });
  for (const id of SOAK_INSPECTORS) {
    await expectOk(`inspector ${id}`, call(d, 'POST', '/inspectors', supervisor, { id, name: `执法人员 ${id}`, province: SOAK_PROVINCE }));
  }
}

export async function runSupervision(d: Driver, scenario: SupervisionScenario, l: Licensee): Promise<SupervisionExpected> {
  const supervisor = await bearerFor(d, { sub: SUPERVISOR, role: 'supervisor', province: SOAK_PROVINCE });
  switch (scenario) {
    case 'spot-check-pass':
      return spotCheck(d, l, supervisor, false);
    case 'spot-check-retest':
      return spotCheck(d, l, supervisor, true);
    case 'report-dismissed':
      return riskReport(d, l, supervisor, false);
    case 'report-flight':
      return riskReport(d, l, supervisor, true);
    case 'risk-signal':
      return riskSignal(d, l, supervisor);
  }
}

/** R15: two laboratories registered, a round naming the licensee, sampling, a laboratory, the result(s). */
async function spotCheck(d: Driver, l: Licensee, supervisor: string, retest: boolean): Promise<SupervisionExpected> {
  const labs: [string, string] = [`LAB-${l.id}-A`, `LAB-${l.id}-B`];
  for (const lab of labs) {
    await expectOk(`${l.id} laboratory ${lab}`, call(d, 'POST', '/laboratories', supervisor, { id: lab, name: `检验机构 ${lab}`, province: SOAK_PROVINCE }));
  }
  const roundId = `SR-${l.id}`;
  await expectOk(`${l.id} spot round`, call(d, 'POST', '/spot-rounds', supervisor, { id: roundId, product: l.product, usccs: [l.uscc] }));
  const spotCheckId = `${roundId}-${l.uscc}`;
  const path = `/spot-checks/${spotCheckId}`;
  const step = (segment: string, token: string, body: unknown, key: string) => expectOk(`${l.id} spot check ${key}`, call(d, 'POST', `${path}/${segment}`, token, body, `${l.id}-${key}`));
  await until(d, l.id, supervisor, (c) => c.workflow?.stage === 'sampling', 'the spot check', path);
  await step('sampling', supervisor, { sampleId: `S-${l.id}`, quantity: 4, unit: 'bags', sealed: true, sampledBy: ['SOAK-S1', 'SOAK-S2'] }, 'sampling');
  await step('laboratory', supervisor, { laboratoryId: labs[0] }, 'laboratory');
  if (retest) {
    await step('result', supervisor, { outcome: 'fail', findings: '3天抗压强度低于标准值' }, 'result');
    const enterprise = await bearerFor(d, { sub: `ent-${l.id}`, role: 'applicant', uscc: l.uscc });
    await step('objection', enterprise, { reason: '样品运输途中受潮，申请复检' }, 'objection');
    await step('laboratory', supervisor, { laboratoryId: labs[1] }, 'retest-laboratory');
    await step('result', supervisor, { outcome: 'pass' }, 'retest-result');
  } else {
    await step('result', supervisor, { outcome: 'pass' }, 'result');
  }
  await until(d, l.id, supervisor, (c) => c.stage === 'closed' && c.finalResult === 'pass', 'the spot check closed', path);
  return { kind: 'spot-check', uscc: l.uscc, roundId, spotCheckId, labs, retest };
}

/**
 * A submission has no Idempotency-Key: sent once; when the answer is lost the reporter reads its
 * own submissions, and sends it again only when it is not among them.
 */
async function submitOnce(d: Driver, id: string, reporter: string, body: { what: string } & Record<string, unknown>): Promise<string> {
  const deadline = Date.now() + d.caseTimeoutMs;
  for (;;) {
    let answer: { status: number; body: Json } | undefined;
    try {
      answer = await callOnce(d, 'POST', '/risk-reports', reporter, body);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${id} risk report: gave up: ${String(err)}`);
      d.retries.n++;
      await sleep(500);
      const mine = await call(d, 'GET', '/risk-reports', reporter, undefined, undefined, deadline);
      const found = mine.status === 200 ? (mine.body.items as { ref: string; what: string }[]).find((r) => r.what === body.what) : undefined;
      if (found) return found.ref;
      continue;
    }
    if (answer.status !== 201) throw new Error(`${id} risk report: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.ref as string;
  }
}

/** R18: a reporter registered, its submission triaged: dismissed, or (R13) a flight inspection whose drawn team records a pass. */
async function riskReport(d: Driver, l: Licensee, supervisor: string, flight: boolean): Promise<SupervisionExpected> {
  const reporterId = `R-${l.id}`;
  await expectOk(`${l.id} reporter`, call(d, 'POST', '/reporters', supervisor, { id: reporterId, name: `行业协会 ${l.id}`, kind: 'industry-association', province: SOAK_PROVINCE }));
  const reporter = await bearerFor(d, { sub: reporterId, role: 'reporter', province: SOAK_PROVINCE });
  const what = `浸泡测试举报 ${l.id}：市场抽样产品标识与许可范围不符`;
  const ref = await submitOnce(d, l.id, reporter, { certificateNumber: l.certificateNumber, what, evidence: [{ sha256: sha(`photo-${l.id}`) }], contact: '010-12345678' });
  const path = `/risk-reports/${ref}`;
  await until(d, l.id, supervisor, (r) => Boolean(r.triageDueAt), 'the triage clock', path);
  const decision = flight ? { decision: 'flight-inspection', reason: '线索具体，组织飞行检查' } : { decision: 'dismiss', reason: '经核查，反映问题与该企业无关' };
  const triaged = await expectOk(`${l.id} triage`, call(d, 'POST', `${path}/triage`, supervisor, decision, `${l.id}-triage`), [200]);
  if (!flight) return { kind: 'risk-report', uscc: l.uscc, reporterId, ref, status: 'dismissed' };

  const flightId = triaged.flightId as string;
  const fpath = `/flight-inspections/${flightId}`;
  const staffed = await until(d, l.id, supervisor, (f) => f.workflow?.stage === 'inspecting' && Array.isArray(f.team), 'the flight staffed', fpath);
  const recordedBy = (staffed.team as string[])[0]!;
  const inspector = await bearerFor(d, { sub: recordedBy, role: 'inspector', province: SOAK_PROVINCE });
  await expectOk(`${l.id} flight result`, call(d, 'POST', `${fpath}/result`, inspector, { outcome: 'pass', findings: '现场检查未发现问题' }, `${l.id}-flight-result`), [200]);
  await until(d, l.id, supervisor, (f) => f.outcome === 'pass' && f.workflow?.stage === 'closed', 'the flight closed', fpath);
  return { kind: 'risk-report', uscc: l.uscc, reporterId, ref, status: 'flight-inspection', flightId, recordedBy };
}

/** R14: a supervisor records an inspection finding about the licensee (not a failed test: R16's thresholds stay out of the soak). */
async function riskSignal(d: Driver, l: Licensee, supervisor: string): Promise<SupervisionExpected> {
  const body = {
    product: l.product,
    region: '北京市房山区',
    kind: 'inspection-finding',
    source: `soak ${l.id}`,
    summary: '日常巡查发现原料进货台账不全',
    evidence: [{ sha256: sha(`ledger-${l.id}`) }],
    occurredOn: shanghaiDate(Date.now()),
    uscc: l.uscc,
  };
  const r = await expectOk(`${l.id} risk signal`, call(d, 'POST', '/risk-signals', supervisor, body, `${l.id}-signal`));
  return { kind: 'risk-signal', uscc: l.uscc, signalKey: r.signal.signalKey as string };
}
