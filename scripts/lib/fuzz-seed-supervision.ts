/**
 * Test data for the supervision routes (R13-R18) in scripts/fuzz.ts: what their path examples name
 * (a laboratory, a reporter, a spot-check round and its spot check, a campaign), and, per run, a
 * spot check, a flight inspection or a risk report at the stage one operation needs, its path
 * parameter fixed to it (schemathesis.toml `parameters`), as for the cases (docs/reliability.md).
 */
import type { ProductId } from '../../domain/policy';
import type { Role } from '../../domain/roles';
import { Api, enc, importLicences, type Json, newLicence, pathExample, PROVINCE, USCC } from './fuzz-api';

const CERTIFICATE = (doc: Json) => pathExample(doc, 'getLicence', 'number');
/** The reporter run's token subject (scripts/lib/fuzz-api.ts tokenFor): registered by BJ, so it may submit. */
const REPORTER = 'fuzz-reporter';
const stamp = () => Date.now().toString(36);
/**
 * The product of the licences imported here: not one the runs issue (cement, fertiliser), whose
 * certificates take the serial after the highest imported one, and so could take a number meant for
 * a later import.
 */
const SEEDED_PRODUCT: ProductId = 'steel-bar';

export interface SupervisionSeed {
  /** A report in BJ by the registered reporter: every run that reads reports reads this one. */
  reportRef: string;
  /** The licence the reports are about (the example licence). */
  certificateNumber: string;
  /** A public report and its access token, for the public run. */
  publicReport: { ref: string; token: string };
}

/** What the examples of the supervision routes name; against a running API each may already exist (the registers rename, 200). */
export async function seedSupervision(api: Api, doc: Json): Promise<SupervisionSeed> {
  // R15: the example laboratory, which the body examples name.
  await api.call('supervisor', 'POST', '/laboratories', { id: pathExample(doc, 'suspendLaboratory', 'id'), name: '北京市示范产品质量检验所', province: PROVINCE });
  // R18: the example reporter, and the reporter run's own.
  await api.call('supervisor', 'POST', '/reporters', { id: pathExample(doc, 'suspendReporter', 'id'), name: '北京市示范行业协会', kind: 'industry-association', province: PROVINCE });
  await api.call('supervisor', 'POST', '/reporters', { id: REPORTER, name: '北京市示范检测研究院', kind: 'testing-institute', province: PROVINCE });
  // R15: the example round names the example enterprise (its cement licence): its spot check is the example one.
  const roundId = pathExample(doc, 'getSpotCheckRound', 'id');
  const spotCheckId = pathExample(doc, 'getSpotCheck', 'id');
  if (spotCheckId !== `${roundId}-${USCC}`) throw new Error(`seeding: the example spot check is not the example round's of ${USCC}`);
  await api.call('supervisor', 'POST', '/spot-rounds', { id: roundId, product: 'cement', usccs: [USCC] });
  await api.until('ops', `/spot-checks/${enc(spotCheckId)}`, (b) => !!b.workflow, `the spot check ${spotCheckId}`);
  // R16: a serious accident starts the province's campaign for the product at once: the example campaign.
  const campaignId = pathExample(doc, 'getCampaign', 'id');
  const [, product] = /^[A-Z]{2}-(.+)-\d+$/.exec(campaignId) ?? [];
  await api.call(
    'supervisor',
    'POST',
    '/risk-signals',
    { product, region: '北京市房山区', kind: 'accident', serious: true, source: '医院报告', summary: '示范：严重质量安全事故', evidence: [], occurredOn: new Date().toISOString().slice(0, 10) },
    { 'Idempotency-Key': 'fuzz-seed-serious-accident' },
  );
  await api.until('ops', `/campaigns/${enc(campaignId)}`, () => true, `the campaign ${campaignId}`);
  return { reportRef: await report(api, CERTIFICATE(doc)), certificateNumber: CERTIFICATE(doc), publicReport: await publicReport(api, doc) };
}

const REPORT = { what: '示范：市场上购买的水泥强度不达标，购买地点与日期见附件', evidence: [], contact: '010-12345678' };

async function report(api: Api, certificateNumber: string): Promise<string> {
  const body = await api.call('reporter', 'POST', '/risk-reports', { ...REPORT, certificateNumber });
  return body.ref as string;
}

async function publicReport(api: Api, doc: Json): Promise<{ ref: string; token: string }> {
  const r = await fetch(`${api.url}/risk-reports/public`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...REPORT, certificateNumber: CERTIFICATE(doc) }) });
  const body = (await r.json()) as Json;
  if (r.status !== 201) throw new Error(`seeding: POST /risk-reports/public answered ${r.status}: ${JSON.stringify(body)}`);
  return { ref: body.ref as string, token: body.accessToken as string };
}

/** A spot check of the enterprise's licence for the product, taken as far as `stage`. */
async function spotCheck(api: Api, run: string, uscc: string, stage: 'sampling' | 'testing' | 'laboratory' | 'objection', product: ProductId): Promise<string> {
  const roundId = `FUZZ-SR-${run}-${stage}-${stamp()}`;
  await api.call('supervisor', 'POST', '/spot-rounds', { id: roundId, product, usccs: [uscc] });
  const id = `${roundId}-${uscc}`;
  const path = `/spot-checks/${enc(id)}`;
  await api.until('ops', path, (b) => (b.workflow as Json | null)?.stage === 'sampling', `the spot check ${id}`);
  if (stage === 'sampling') return id;
  await api.call('supervisor', 'POST', `${path}/sampling`, { sampleId: `S-${stamp()}`, quantity: 4, unit: '袋', sealed: true, sampledBy: ['I-BJ-001', 'I-BJ-002'] });
  if (stage === 'testing') return id;
  // A laboratory of its own: the runs suspend the example one and link it to the example enterprise.
  const laboratoryId = `LAB-FUZZ-${stamp()}`;
  await api.call('supervisor', 'POST', '/laboratories', { id: laboratoryId, name: '示范检测所（fuzz seed）', province: PROVINCE });
  await api.call('supervisor', 'POST', `${path}/laboratory`, { laboratoryId });
  if (stage === 'laboratory') return id;
  await api.call('supervisor', 'POST', `${path}/result`, { outcome: 'fail', findings: '示范：3天抗压强度不达标' });
  return id;
}

/** A flight inspection of a licensee of BJ, once its team is drawn (or not). */
async function flight(api: Api, uscc: string): Promise<Json> {
  const { id } = await api.call('supervisor', 'POST', '/flight-inspections', { uscc, province: PROVINCE, lead: { kind: 'complaint', ref: `fuzz-${stamp()}` }, summary: '示范：举报线索核查' });
  const path = `/flight-inspections/${enc(id as string)}`;
  await api.until('ops', path, (b) => b.team !== null || b.staffingProblem !== null, `the staffing of flight inspection ${String(id)}`);
  return api.call('ops', 'GET', path);
}

export interface SupervisionStages {
  fixed: Record<string, Record<string, string>>;
  /** The run's token subject instead of the default one (an inspector on the seeded flight's team). */
  subject?: string;
}

/** Per run: the operations on a spot check, flight or report that act once, each on one of its own at the right stage. */
export async function supervisionStages(api: Api, seed: SupervisionSeed, run: Role | undefined, ids: string[]): Promise<SupervisionStages> {
  const fixed: Record<string, Record<string, string>> = {};
  const has = (op: string) => ids.includes(op);
  if (!run) {
    if (has('readPublicRiskReport')) fixed.readPublicRiskReport = { 'path.ref': seed.publicReport.ref, 'header.X-Report-Token': seed.publicReport.token };
    return { fixed };
  }
  if (has('getRiskReport')) fixed.getRiskReport = { 'path.ref': seed.reportRef };
  if (has('triageRiskReport')) fixed.triageRiskReport = { 'path.ref': await report(api, seed.certificateNumber) };
  // The applicant objects to a failing result of its own enterprise's spot check.
  if (has('objectToSpotCheckResult')) fixed.objectToSpotCheckResult = { 'path.id': await spotCheck(api, run, USCC, 'objection', 'cement') };
  const staged: [string, 'sampling' | 'testing' | 'laboratory'][] = [
    ['recordSpotCheckSampling', 'sampling'],
    ['assignSpotCheckLaboratory', 'testing'],
    ['recordSpotCheckResult', 'laboratory'],
  ];
  const spotOps = staged.filter(([op]) => has(op));
  const flightOps = ['getFlightInspection', 'recordFlightResult', 'restaffFlightInspection'].filter(has);
  if (!spotOps.length && !flightOps.length) return { fixed };
  // Licensees of their own: a spot check or a flight of one enterprise does not meet another's.
  const licences = [...spotOps, ...flightOps].map(() => newLicence(undefined, SEEDED_PRODUCT));
  await importLicences(api, licences, `fuzz-${run}-supervision-${stamp()}`);
  for (const [i, [op, stage]] of spotOps.entries()) fixed[op] = { 'path.id': await spotCheck(api, run, licences[i]!.uscc, stage, SEEDED_PRODUCT) };
  let subject: string | undefined;
  if (run === 'inspector' && flightOps.length) {
    // The inspector reads and records as one of the drawn team (R13: only the team may), on one flight.
    const f = await flight(api, licences[spotOps.length]!.uscc);
    if (!Array.isArray(f.team)) throw new Error(`seeding: no team could be drawn for flight inspection ${String(f.id)}: ${String(f.staffingProblem)}`);
    subject = f.team[0] as string;
    for (const op of flightOps) fixed[op] = { 'path.id': f.id as string };
  } else {
    for (const [i, op] of flightOps.entries()) fixed[op] = { 'path.id': (await flight(api, licences[spotOps.length + i]!.uscc)).id as string };
  }
  return { fixed, ...(subject ? { subject } : {}) };
}
