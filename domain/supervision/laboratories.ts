/**
 * R15: the laboratory register. A province's testing laboratories, suspended or not, and the
 * enterprises each may not test for: those that own it and those it is conflicted with.
 */
export const LAB_RELATIONS = ['owned-by', 'conflicted'] as const;
export type LabRelation = (typeof LAB_RELATIONS)[number];

export interface LaboratoryRecord {
  id: string;
  name: string;
  /** Laboratories are registered by, and test for, one province. */
  province: string;
  suspended: boolean;
  links: { uscc: string; relation: LabRelation; reason: string }[];
}

/**
 * R15: why `lab` may not test a sample of `uscc` (the first laboratory of a re-test included), or
 * undefined. The message names the conflict; the API answers it as a 422 naming `laboratoryId`.
 */
export function laboratoryProblem(lab: LaboratoryRecord | undefined, c: { id: string; uscc: string; province: string; firstLaboratoryId?: string }): string | undefined {
  if (!lab || lab.province !== c.province) return `laboratory ${c.id} is not in the register of ${c.province}`;
  if (lab.suspended) return `laboratory ${lab.id} is suspended`;
  const link = lab.links.find((l) => l.uscc === c.uscc);
  if (link?.relation === 'owned-by') return `laboratory ${lab.id} is owned by the enterprise ${c.uscc} (${link.reason}): an enterprise's own laboratory never tests its sample`;
  if (link) return `laboratory ${lab.id} is conflicted with the enterprise ${c.uscc} (${link.reason})`;
  if (c.firstLaboratoryId === lab.id) return `laboratory ${lab.id} made the first test: the re-test (复检) is by a different laboratory`;
  return undefined;
}
