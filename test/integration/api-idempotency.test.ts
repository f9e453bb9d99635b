/**
 * Idempotent Updates over HTTP (Idempotency-Key = Update id), Updates whose step fails for good
 * (README "Failure policy"), and submissions that a retry could not find again. Real Temporal dev
 * server, real worker and activities, real PostgreSQL.
 */
import { QueryNotRegisteredError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalProblem } from '../../api/temporal';
import { freshUscc } from '../helpers/fixtures';
import { api, application, bearer, eventually, type Harness, newId, startHarness, USCC_A } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const applicant = () => bearer({ role: 'applicant', uscc: USCC_A });
const officer = () => bearer({ role: 'acceptance-officer', province: 'BJ' });
const approver = () => bearer({ role: 'approver', province: 'BJ' });
const ops = () => bearer({ role: 'ops' });
const status = async (id: string) => (await api(h).get(`/applications/${id}`).set(await ops())).body;

/** A case of an enterprise of its own: an enterprise holds one certificate per product (L07). */
async function newCase(): Promise<string> {
  const uscc = freshUscc();
  const base = application();
  const body: Record<string, unknown> = { ...base, enterprise: { ...(base.enterprise as object), uscc } };
  expect((await api(h).post('/applications').set(await bearer({ role: 'applicant', uscc })).send(body)).status).toBe(201);
  const id = body.applicationId as string;
  await eventually(async () => ((await status(id)).stage === 'received' ? true : undefined), 20_000, 'received');
  return id;
}

describe('Idempotency-Key on Updates', () => {
  it('api: a submission with neither an applicationId nor an Idempotency-Key is a 422 naming both, and starts no case', async () => {
    const { applicationId: _id, ...body } = application();
    const res = await api(h).post('/applications').set(await applicant()).send(body);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['applicationId', 'header.Idempotency-Key']);
  });

  it('api: the same key returns the original answer (200, same body), also after the case closed; another key for a decision taken is a 409', async () => {
    const id = await newCase();
    const accept = async (key: string) => api(h).post(`/applications/${id}/accept`).set(await officer()).set('Idempotency-Key', key).send({ note: 'complete' });
    const k1 = newId('K');
    const first = await accept(k1);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const again = await accept(k1);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await accept(newId('K'));
    expect(other.status).toBe(409);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    // One acceptance on record, however often it was sent.
    const rows = await h.db.pool.query(`SELECT count(*)::int AS n FROM audit_events WHERE application_id = $1 AND action = 'accepted'`, [id]);
    expect(rows.rows[0].n).toBe(1);

    await eventually(async () => ((await status(id)).path ? true : undefined), 20_000, 'routed');
    const k3 = newId('K');
    const approve = async (key: string) => api(h).post(`/applications/${id}/approve`).set(await approver()).set('Idempotency-Key', key).send({});
    const approved = await approve(k3);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await eventually(async () => ((await h.env.client.workflow.getHandle(id).describe()).status.name === 'COMPLETED' ? true : undefined), 30_000, 'closed');
    // The case is closed: the same key still gets the original answer, read back from its history.
    const repeat = await approve(k3);
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
    expect(repeat.body).toEqual(approved.body);
    expect((await approve(newId('K'))).status).toBe(409);
    expect((await api(h).post(`/applications/${id}/approve`).set(await approver()).set('Idempotency-Key', 'no').send({})).status).toBe(422);
  });
});

describe('an Update whose step fails for good', () => {
  it('api: answers 503 naming the failure (never a 500); the case shows waitingOn ops; ops retry; the same key then returns the answer', async () => {
    const id = await newCase();
    // A real constraint refuses this case's notifications: the supplement notice cannot be written.
    await h.db.pool.query(`ALTER TABLE notifications ADD CONSTRAINT api_block CHECK (application_id <> '${id}') NOT VALID`);
    const key = newId('S');
    const ask = async () => api(h).post(`/applications/${id}/supplement-request`).set(await officer()).set('Idempotency-Key', key).send({ items: ['质量手册'] });
    const held = await ask();
    expect(held.status, JSON.stringify(held.body)).toBe(503);
    expect(held.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(held.body.detail).toMatch(/notify failed and waits for ops: .*api_block.*\(ConstraintViolation\)/);
    const s = await status(id);
    expect(s.opsHold).toMatchObject({ activity: 'notify', type: 'ConstraintViolation' });
    const listed = await eventually(async () => {
      const r = await api(h).get('/applications').query({ waitingOn: 'ops' }).set(await ops());
      return r.body.items?.some((i: { applicationId: string }) => i.applicationId === id) ? r.body : undefined;
    }, 20_000, 'listed as waiting on ops');
    expect(listed.items.find((i: { applicationId: string }) => i.applicationId === id).waitingOn).toBe('ops');

    // Only ops retry (403 by role); once the cause is gone, the retry goes through.
    expect((await api(h).post(`/applications/${id}/retry`).set(await approver()).send({})).status).toBe(403);
    await h.db.pool.query('ALTER TABLE notifications DROP CONSTRAINT api_block');
    const retried = await api(h).post(`/applications/${id}/retry`).set(await ops()).send({ note: 'constraint dropped' });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual({ applicationId: id, retried: ['notify'], stillHeld: [] });
    const answer = await ask();
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({ applicationId: id, stage: 'awaiting-supplement' });
    expect((await status(id)).opsHold).toBeUndefined();
    expect((await api(h).post(`/applications/${id}/retry`).set(await ops()).send({})).status).toBe(409);
  });

  it('api: an Update that failed with an activity error is a 409 when a retry cannot fix it, a 503 otherwise, never a 500', () => {
    const failed = (cause: Error) => new WorkflowUpdateFailedError('Workflow Update failed', cause);
    const activity = (inner: Error) => new ActivityFailure('Activity task failed', 'setCertificateStatus', '7', RetryState.NON_RETRYABLE_FAILURE, 'w', inner);
    const forGood = temporalProblem(failed(activity(ApplicationFailure.create({ type: 'MissingCertificate', message: 'no certificate X', nonRetryable: true }))), 'licence X');
    expect(forGood).toMatchObject({ kind: 'conflict', status: 409 });
    expect(forGood!.message).toMatch(/setCertificateStatus failed: no certificate X \(MissingCertificate\)/);
    const transient = temporalProblem(failed(activity(ApplicationFailure.create({ type: 'Error', message: 'connection reset', nonRetryable: false }))), 'licence X');
    expect(transient).toMatchObject({ kind: 'unavailable', status: 503 });
    // The step is named; its underlying words (a driver's) go to the log with the request id, not to the caller.
    expect(transient!.message).toMatch(/setCertificateStatus/);
    expect(transient!.message).not.toMatch(/connection reset/);
    const underneath = (transient!.cause as { cause?: { cause?: Error } }).cause?.cause;
    expect(underneath?.message).toMatch(/connection reset/);
    const refused = temporalProblem(failed(ApplicationFailure.create({ type: 'conflict', message: 'already decided', nonRetryable: true })), 'case A');
    expect(refused).toMatchObject({ status: 409, message: 'already decided' });
    // A case still at intake takes staff actions a moment later: 409 that says when to try again.
    const early = temporalProblem(failed(ApplicationFailure.create({ type: 'not-yet', message: 'case A is still at intake', nonRetryable: true })), 'case A');
    expect(early).toMatchObject({ status: 409, headers: { 'Retry-After': '1' } });
    const other = temporalProblem(failed(new Error('handler cancelled')), 'case A');
    expect(other?.status).toBe(503);
  });

  it('api: a Query the worker could not answer (found by the soak: a case whose workflow task fails) is a 503 naming the case, not a 500', () => {
    const failed = temporalProblem(new QueryNotRegisteredError('Nondeterminism error: Non-deprecated patch marker encountered', 3), 'case A');
    expect(failed).toMatchObject({ kind: 'unavailable', status: 503 });
    expect(failed!.message).toMatch(/^case A cannot answer right now/);
    expect(failed!.message).not.toMatch(/Nondeterminism/);
  });
});
