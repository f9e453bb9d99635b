/** The verifier register's rules (R10, L06): team shape, and who may inspect on a given day. */
import { z } from 'zod';

/** L06: a verification team has 2-4 certified verifiers. */
export const TEAM_SIZE = { min: 2, max: 4 } as const;
export const VerifierIds = z.array(z.string().min(1).max(64)).min(TEAM_SIZE.min).max(TEAM_SIZE.max);

/** In-memory part of the team rule (size, duplicates); the registry part needs the database. */
export function teamShapeProblem(verifierIds: readonly string[]): string | undefined {
  if (verifierIds.length < TEAM_SIZE.min || verifierIds.length > TEAM_SIZE.max) {
    return `an inspection team has ${TEAM_SIZE.min}-${TEAM_SIZE.max} verifiers (L06); got ${verifierIds.length}`;
  }
  if (new Set(verifierIds).size !== verifierIds.length) return 'a verifier is listed twice (L06: 2-4 distinct verifiers)';
  return undefined;
}

export interface VerifierRecord {
  id: string;
  name: string;
  /** The province that trained and assessed the verifier; R10: valid in every province. */
  certifiedBy: string;
  certifiedOn: string;
  certifiedUntil: string;
  suspended?: boolean;
}

/**
 * Why a registered verifier may not inspect this enterprise on `on` (a civil date), or undefined.
 * `conflicted` says whether a conflict of interest with the enterprise is on record.
 */
export function verifierProblem(v: VerifierRecord | undefined, id: string, on: string, conflicted: boolean): string | undefined {
  if (!v) return `verifier ${id} is not in the verifier registry (R10)`;
  if (v.suspended) return `verifier ${id} is suspended`;
  if (v.certifiedOn > on) return `verifier ${id} is certified only from ${v.certifiedOn} (R10)`;
  if (v.certifiedUntil < on) return `verifier ${id}'s certification expired on ${v.certifiedUntil} (R10)`;
  if (conflicted) return `verifier ${id} has a recorded conflict of interest with the enterprise`;
  return undefined;
}
