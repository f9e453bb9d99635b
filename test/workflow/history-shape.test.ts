/**
 * What a case costs the Temporal server (issue 15, P1): the history a case started on this code
 * writes. Older histories, recorded before the patch baseline, replay in test/replay.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { acceptUpdate, approveUpdate, statusQuery } from '../../domain/approval/messages';
import { SA } from '../../domain/search-attributes';
import { lifecycleQuery } from '../../domain/licence/messages';
import { endOfShanghaiDay } from '../../domain/time';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { PATCH_BASELINE } from '../../workflows/shared/patch-baseline';
import { freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { pastIntake } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-history-shape';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

type History = temporal.api.history.v1.IHistory;
const EventType = { taskCompleted: 7, marker: 25, upsert: 40 } as const;

/** The ids of the patch markers in a history, in order. */
function patchMarkers(history: History): string[] {
  return (history.events ?? [])
    .filter((e) => Number(e.eventType) === EventType.marker && e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => JSON.parse(Buffer.from(Object.values(e.markerRecordedEventAttributes!.details!)[0]!.payloads![0]!.data!).toString()).id as string);
}

/**
 * A child's history once its first workflow task has completed. A case ends as soon as its
 * lifecycle child has started, which may be before that task (where the child writes its marker
 * and any search attributes) has run: read earlier, the history would show neither.
 */
async function afterFirstTask(handle: WorkflowHandle): Promise<History> {
  for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const history = await handle.fetchHistory();
    if ((history.events ?? []).some((e) => Number(e.eventType) === EventType.taskCompleted)) return history;
    if (Date.now() > until) throw new Error(`${handle.workflowId}: no workflow task completed within 10 s`);
  }
}

/** Each search-attribute upsert's fields, as written. */
function upserts(history: History): Record<string, string>[] {
  return (history.events ?? [])
    .filter((e) => Number(e.eventType) === EventType.upsert)
    .map((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields ?? {};
      return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v.data ?? []).toString()]));
    });
}

describe('history shape of a case started on this code', () => {
  it('P1: a case and its lifecycle each record one patch marker, the baseline, instead of one per patch; the case still ends issued', async () => {
    await withServer(async ({ env, start }) => {
      const h = await start(makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } }));
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const result = await h.result();
      expect(result.outcome).toBe('issued');
      // Before the baseline a case like this one recorded 16 markers and its lifecycle 3.
      expect(patchMarkers(await h.fetchHistory())).toEqual([PATCH_BASELINE]);
      const lifecycle = env.client.workflow.getHandle(lifecycleWorkflowId(result.certificateNumber!));
      expect(patchMarkers(await afterFirstTask(lifecycle))).toEqual([PATCH_BASELINE]);
    });
  });

  it('P1: search attributes are written only when they change, each write names only what changed, and visibility still shows where the case is', async () => {
    await withServer(async ({ begin }) => {
      // Started as the API starts a case, with the intake attributes: those count as written.
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      const h = await begin(app, { asApi: true });
      await pastIntake(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      await h.result();
      const written = upserts(await h.fetchHistory()).filter((u) => !('TemporalChangeVersion' in u));
      expect(written[0]?.LpStage).toBe('"received"'); // nothing written at intake
      // Before: the same set was written again at issuance and at the end (8 writes for this case).
      for (let i = 1; i < written.length; i++) expect(written[i], `write ${i + 1} repeats write ${i}`).not.toEqual(written[i - 1]);
      expect(written.length).toBeLessThanOrEqual(6);
      // Each write names only what changed: the province, product and enterprise, set at the start,
      // are never written again (before, every write carried all nine attributes).
      for (const [i, u] of written.entries()) for (const fixed of ['LpProvince', 'LpProduct', 'LpUscc']) expect(u, `write ${i + 1}`).not.toHaveProperty(fixed);
      const stages = written.map((u) => u.LpStage).filter(Boolean);
      expect(stages.at(-1)).toBe('"issued"');
      expect((await h.describe()).typedSearchAttributes.get(SA.stage)).toBe('issued');
      expect((await h.query(statusQuery)).stage).toBe('issued');
    });
  });

  it("P1: the decision deadline is asked for beside the routing's audit row, and the follow-up and lifecycle children are started in one workflow task", async () => {
    await withServer(async ({ start }) => {
      const h = await start(makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } }));
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      expect((await h.result()).outcome).toBe('issued');
      const events = (await h.fetchHistory()).events ?? [];
      // Each command event belongs to the workflow task whose completion precedes it.
      let task = 0;
      const commands = events.map((e) => {
        if (e.workflowTaskCompletedEventAttributes) task = Number(e.eventId);
        return { task, e };
      });
      const scheduled = (name: string) => commands.filter(({ e }) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
      const routed = scheduled('recordTransition').find(({ e }) => Buffer.from(e.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString().includes('"action":"routed"'))!;
      const decisionDeadline = scheduled('computeDeadline')[1]!; // the first is the L01 deadline
      expect(decisionDeadline.task).toBe(routed.task);
      const children = commands.filter(({ e }) => e.startChildWorkflowExecutionInitiatedEventAttributes);
      expect(children.map(({ e }) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType!.name)).toEqual(['followUpInspection', 'licenceLifecycle']);
      expect(children[0]!.task).toBe(children[1]!.task);
      const timeline = (await h.query(statusQuery)).timeline.map((t) => t.event);
      expect(timeline.findIndex((t) => t.startsWith('follow-up-started'))).toBeLessThan(timeline.indexOf('lifecycle-started'));
    });
  });

  it('P1, L05: the lifecycle starts showing its licence as valid until the term ends, and writes no search attributes of its own at start', async () => {
    await withServer(async ({ env, start }) => {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      const h = await start(app);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const { certificateNumber } = await h.result();
      const lifecycle = env.client.workflow.getHandle(lifecycleWorkflowId(certificateNumber!));
      // Before, its first task wrote all eight attributes (721 bytes of history).
      expect(upserts(await afterFirstTask(lifecycle)).filter((u) => !('TemporalChangeVersion' in u))).toEqual([]);
      const shown = (await lifecycle.describe()).typedSearchAttributes;
      const { validUntil } = await lifecycle.query(lifecycleQuery);
      expect(shown.get(SA.stage)).toBe('licence:valid');
      expect(shown.get(SA.waitingOn)).toBe('nobody');
      expect(shown.get(SA.overdue)).toBe(false);
      expect(shown.get(SA.deadline)?.toISOString()).toBe(new Date(endOfShanghaiDay(validUntil)).toISOString());
      expect(shown.get(SA.uscc)).toBe(app.enterprise.uscc);
    });
  });

  it('L04, L07: with the intake reads run together, a banned enterprise that holds the product is refused on both grounds, in rule order', async () => {
    await withServer(async ({ start }) => {
      const uscc = freshUscc();
      const enterprise = { ...makeApplication().enterprise, uscc };
      const first = await start(makeApplication({ enterprise }));
      await first.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await first.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const { certificateNumber } = await first.result();
      await suite.db.pool.query(
        `INSERT INTO bans (uscc, product, ground, rule, reason, starts_on, ends_on) VALUES ($1, 'cement', 'false-commitment', 'L04', 'test ban', current_date - 1, current_date + 365)`,
        [uscc],
      );
      const second = await start(makeApplication({ enterprise }));
      expect((await second.result()).outcome).toBe('rejected-at-intake');
      const reasons = (await second.query(statusQuery)).decision?.reasons ?? [];
      expect(reasons.map((r) => r.split(':')[0])).toEqual(['L04', 'L07']);
      expect(reasons[1]).toContain(certificateNumber);
    });
  });
});
