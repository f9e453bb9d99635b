/**
 * R11: messages of the batch and inspection-task workflows (workflows/supervision/), shared with
 * the API. One inspection task per drawn enterprise, id `inspection/<batch>/<uscc>`.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../roles';

export const INSPECTION_OUTCOMES = ['pass', 'problems-found', 'not-found', 'refused'] as const;
export type InspectionTaskOutcome = (typeof INSPECTION_OUTCOMES)[number];
/** Every outcome but a pass is a failing one (R15 handling, R17 fact). */
export const isFailing = (o: InspectionTaskOutcome): boolean => o !== 'pass';

export const batchWorkflowId = (batchId: string): string => `batch/${batchId}`;
export const batchScheduleId = (batchId: string): string => `batch-schedule/${batchId}`;
export const inspectionTaskWorkflowId = (taskId: string): string => `inspection/${taskId}`;
export const taskIdOf = (batchId: string, uscc: string): string => `${batchId}/${uscc}`;

export interface InspectionBatchInput {
  batchId: string;
  province: string;
  /** Set by continue-as-new: the draw is stored, only staffing and starting remain. */
  drawn?: boolean;
  /** Tasks started by earlier runs, for the status. */
  started?: number;
  /** A supervisor asked for another staffing pass before the last continue-as-new. */
  restaff?: boolean;
}

export interface BatchStatus {
  batchId: string;
  stage: 'drawing' | 'staffing' | 'starting' | 'waiting-for-staff' | 'done';
  selected?: number;
  staffed?: number;
  unstaffed?: number;
  started: number;
  problems: string[];
}

export const batchStatusQuery = defineQuery<BatchStatus>('batchStatus');
/** A supervisor has added or reinstated inspectors: draw teams again for the unstaffed tasks. */
export const restaffSignal = defineSignal<[{ actor: Actor }]>('restaff');

export interface InspectionTaskInput {
  taskId: string;
  batchId: string;
  province: string;
  uscc: string;
  grade: string;
  team: string[];
  /** Last day for the result (the batch's end, R11). */
  dueOn: string;
}

export interface RecordTaskResultInput {
  actor: Actor;
  outcome: InspectionTaskOutcome;
  findings?: string;
  /** The day the inspection ended (default: the day recorded); publication is due 20 working days after it. */
  inspectedOn?: string;
}

export interface InspectionTaskStatus {
  taskId: string;
  batchId: string;
  uscc: string;
  team: string[];
  stage: 'inspecting' | 'publication' | 'closed';
  dueAt: string;
  overdue: boolean;
  result?: { outcome: InspectionTaskOutcome; findings?: string; by: string; at: string; inspectedOn: string };
  publication?: { recordKey: string; dueAt: string; publishedAt?: string; overdue: boolean };
  escalations: { kind: string; at: string }[];
  /** R15: the follow-ups a failing result opened, one per licence, at their rectification stage. */
  rectifications?: { certificateNumber: string; workflowId: string; rectifyBy: string; alreadyOpen?: boolean }[];
}

export const recordTaskResultUpdate = defineUpdate<InspectionTaskStatus, [RecordTaskResultInput]>('recordTaskResult');
export const inspectionTaskStatusQuery = defineQuery<InspectionTaskStatus>('inspectionTaskStatus');
