/**
 * The import workflow's contract (issue 19): its input, its progress Query, and what each page
 * of rows comes back as. Shared by the workflow, the command (scripts/import.ts) and the API.
 */
import { defineQuery } from '@temporalio/workflow';
import type { LifecycleInput } from './messages';

/** Whether SAMR's e-CQS hears of imported licences: `off` (default) when SAMR already knows them (R06). */
export type ImportEcqsMode = 'off' | 'on';

export interface ImportCounts {
  /** Rows read from the file (every line after the header). */
  read: number;
  imported: number;
  unchanged: number;
  /** Already on record with other particulars: reported, never overwritten. */
  changed: number;
  refused: number;
}

export interface ImportProgress extends ImportCounts {
  importId: string;
  province: string;
  fileName: string;
  /** Rows handled so far (imported + unchanged + changed + refused). */
  processed: number;
  /** Lifecycle workflows started by this import (L05). */
  lifecyclesStarted: number;
  /** The last line handled: the next page starts after it. */
  cursor: number;
  page: number;
  startedAt: string;
  updatedAt: string;
  rowsPerSecond: number;
  /** Estimated seconds left; null until a first page is done. */
  secondsLeft: number | null;
  done: boolean;
  finishedAt?: string;
}

export interface ImportInput {
  importId: string;
  /** Rows per page (one activity, then one continue-as-new); default 500. */
  pageSize?: number;
  /** Lifecycle workflows started at once (bounded concurrency); default 50. */
  concurrency?: number;
  ecqs?: ImportEcqsMode;
  /** Progress carried over from the previous run (continue-as-new). */
  carried?: ImportProgress;
}

/** What one page of rows did, as recorded (a retried page returns the same answer). */
export interface ImportPageResult {
  lastLine: number;
  done: boolean;
  counts: Omit<ImportCounts, 'read'>;
  /** Valid licences of this page whose lifecycle is not known to run yet. */
  lifecycles: LifecycleInput[];
}

export const importProgressQuery = defineQuery<ImportProgress>('importProgress');

export const DEFAULT_IMPORT_PAGE_SIZE = 500;
export const DEFAULT_IMPORT_CONCURRENCY = 20;
