/**
 * The import of licences a province already holds (issue 19): one workflow per run, id
 * `import/<importId>`, over rows already validated and staged in PostgreSQL by the command or
 * the API (db/imports.ts). Page by page:
 *
 * 1. one activity applies the page in one transaction (new certificates with their source, serials
 *    reserved (L07), bans and grade history; the same row again is unchanged, a different one is
 *    reported as changed, never overwritten) and answers with the valid licences whose lifecycle
 *    is not known to run;
 * 2. their lifecycle workflows (`licence/<number>`, L05) start as abandoned children, at most
 *    `concurrency` at a time; one already running is left alone; the next page waits until they
 *    have run their first step, so a slow worker is never buried under first workflow tasks;
 * 3. the workflow continues as new, so 20,000 rows never grow one history.
 *
 * Progress is the Query `importProgress` and the search attributes LpStage (`import:running`,
 * `import:done`), LpProvince and LpDeadline (the estimated end). A worker crash loses nothing:
 * the page's outcome is in history or, if the activity had not reported, written once in the
 * rows it locked, so the retry answers the same.
 */
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  continueAsNew,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities/types';
import {
  DEFAULT_IMPORT_CONCURRENCY,
  DEFAULT_IMPORT_PAGE_SIZE,
  type ImportInput,
  type ImportProgress,
  importProgressQuery,
} from '../../domain/licence/import-messages';
import type { LifecycleInput } from '../../domain/licence/messages';
import { SA } from '../../domain/search-attributes';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { licenceLifecycle } from '../licence/licence-lifecycle';
import { withOpsHold } from '../shared/ops-hold';

type ImportActivities = Pick<Activities, 'importRun' | 'importPage' | 'markLifecyclesStarted' | 'awaitLifecyclesRunning' | 'finishImport'>;
const raw = proxyActivities<ImportActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** The same failure policy as every workflow (README "Failure policy"): what a retry cannot fix holds the import for ops, visibly, instead of failing it half done. */
const acts = new Proxy({} as ImportActivities, {
  get(_target, name) {
    if (typeof name !== 'string') return undefined;
    const call = (raw as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
    return (...args: unknown[]) => withOpsHold(name, () => call(...args));
  },
});

export async function licenceImport(input: ImportInput): Promise<ImportProgress> {
  const nowIso = () => new Date(Date.now()).toISOString();
  const pageSize = input.pageSize ?? DEFAULT_IMPORT_PAGE_SIZE;
  const concurrency = input.concurrency ?? DEFAULT_IMPORT_CONCURRENCY;
  let p: ImportProgress;
  if (input.carried) p = { ...input.carried };
  else {
    const run = await acts.importRun({ importId: input.importId });
    p = {
      importId: input.importId,
      province: run.province,
      fileName: run.fileName,
      read: run.total,
      imported: 0,
      unchanged: 0,
      changed: 0,
      refused: 0,
      processed: 0,
      lifecyclesStarted: 0,
      cursor: 0,
      page: 0,
      startedAt: nowIso(),
      updatedAt: nowIso(),
      rowsPerSecond: 0,
      secondsLeft: null,
      done: false,
    };
  }
  setHandler(importProgressQuery, () => p);

  const publish = () => {
    const eta = p.secondsLeft === null || p.done ? null : new Date(Date.now() + p.secondsLeft * 1000);
    upsertSearchAttributes([
      { key: SA.stage, value: p.done ? 'import:done' : 'import:running' },
      { key: SA.province, value: p.province },
      { key: SA.deadline, value: eta },
      { key: SA.waitingOn, value: p.done ? 'nobody' : 'import' },
    ]);
  };
  publish();

  if (!p.done) {
    const page = await acts.importPage({ importId: input.importId, afterLine: p.cursor, limit: pageSize, ecqs: input.ecqs ?? 'off' });
    p.imported += page.counts.imported;
    p.unchanged += page.counts.unchanged;
    p.changed += page.counts.changed;
    p.refused += page.counts.refused;
    p.processed = p.imported + p.unchanged + p.changed + p.refused;
    p.cursor = page.lastLine;
    p.page++;
    p.lifecyclesStarted += await startLifecycles(page.lifecycles, concurrency);
    const elapsed = Math.max(1, Date.now() - Date.parse(p.startedAt)) / 1000;
    p.rowsPerSecond = Math.round((p.processed / elapsed) * 10) / 10;
    p.secondsLeft = p.rowsPerSecond > 0 ? Math.round(Math.max(0, p.read - p.processed) / p.rowsPerSecond) : null;
    p.updatedAt = nowIso();
    if (!page.done) {
      publish();
      await continueAsNew<typeof licenceImport>({ ...input, carried: p });
    }
    const counts = await acts.finishImport({ importId: input.importId, summary: { lifecyclesStarted: p.lifecyclesStarted, startedAt: p.startedAt, workflowId: workflowInfo().workflowId } });
    Object.assign(p, counts, { done: true, finishedAt: nowIso(), secondsLeft: 0, processed: counts.imported + counts.unchanged + counts.changed + counts.refused });
    publish();
  }
  return p;
}

/** L05: one lifecycle per valid licence, `concurrency` starts at a time; those found running count as running. */
async function startLifecycles(inputs: LifecycleInput[], concurrency: number): Promise<number> {
  let started = 0;
  for (let i = 0; i < inputs.length; i += concurrency) {
    const batch = inputs.slice(i, i + concurrency);
    const results = await Promise.all(
      batch.map(async (args) => {
        try {
          await startChild(licenceLifecycle, {
            workflowId: lifecycleWorkflowId(args.certificateNumber),
            args: [args],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
          return 'started' as const;
        } catch (e) {
          if (e instanceof WorkflowExecutionAlreadyStartedError) return 'running' as const;
          throw e;
        }
      }),
    );
    started += results.filter((r) => r === 'started').length;
  }
  if (inputs.length) {
    const numbers = inputs.map((b) => b.certificateNumber);
    await acts.markLifecyclesStarted({ certificateNumbers: numbers });
    // Back-pressure: the next page waits until these have run their first step (bounded wait).
    await acts.awaitLifecyclesRunning({ certificateNumbers: numbers, timeoutMs: 120_000 });
  }
  return started;
}
