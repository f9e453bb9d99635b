/**
 * Side effects of the import workflow (issue 19): read a run, apply a page of rows, note which
 * lifecycles run, close the run. Every call is idempotent: a page's outcomes are written once
 * (db/import-page.ts), so a retry after a worker crash answers the same and writes nothing twice.
 */
import type { Pool } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import type { ImportEcqsMode, ImportPageResult } from '../../domain/licence/import-messages';
import { policyInForce } from '../../domain/policy';
import { shanghaiDate } from '../../domain/time';
import { applyImportPage, countLifecyclesRunning, markLifecyclesStarted } from '../../db/import-page';
import { findImportRun, finishImportRun, importReport, type ImportRunRow } from '../../db/imports';

export function createImportActivities(pool: Pool) {
  return {
    async importRun(input: { importId: string }): Promise<ImportRunRow> {
      const run = await findImportRun(pool, input.importId);
      if (!run) throw ApplicationFailure.nonRetryable(`no import run ${input.importId}: stage the file first`, 'MissingImport');
      return run;
    },

    async importPage(input: { importId: string; afterLine: number; limit: number; ecqs: ImportEcqsMode }): Promise<ImportPageResult> {
      const now = new Date();
      const today = shanghaiDate(now.getTime());
      return applyImportPage(pool, { ...input, today, policyVersion: policyInForce(today).id, occurredAt: now.toISOString() });
    },

    async markLifecyclesStarted(input: { certificateNumbers: string[] }): Promise<number> {
      return markLifecyclesStarted(pool, input.certificateNumbers);
    },

    /**
     * Back-pressure: waits (up to `timeoutMs`) until the lifecycles just started have run their
     * first step (their `lifecycle-started` audit row), so the next page never piles first
     * workflow tasks onto a worker that has not caught up. Answers how many have.
     */
    async awaitLifecyclesRunning(input: { certificateNumbers: string[]; timeoutMs: number }): Promise<number> {
      const until = Date.now() + input.timeoutMs;
      for (;;) {
        const n = await countLifecyclesRunning(pool, input.certificateNumbers);
        if (n >= input.certificateNumbers.length || Date.now() >= until) return n;
        await new Promise((r) => setTimeout(r, 250));
      }
    },

    /** Writes the summary on the run and answers the counts as the rows record them. */
    async finishImport(input: { importId: string; summary: Record<string, unknown> }): Promise<{ imported: number; unchanged: number; changed: number; refused: number }> {
      const report = await importReport(pool, input.importId);
      await finishImportRun(pool, input.importId, { ...input.summary, ...report.counts });
      return report.counts;
    },
  };
}

export type ImportActivities = ReturnType<typeof createImportActivities>;
