/**
 * R17: the nightly recomputation of every licensee's risk grade in every province, run by a
 * Temporal Schedule (workers/grade-schedule.ts). Grades are also recomputed whenever a fact is
 * recorded; this pass catches what ages out (a fact leaving the 3-year look-back, a licensee no
 * longer new, a ban ending, an override expiring) and facts recorded by other means.
 */
import { acts } from '../shared/activities';
import { PROVINCE_CODES } from '../../domain/provinces';
import { shanghaiDate } from '../../domain/time';

export interface RiskGradesNightlyInput {
  /** The day graded; default the run's day in Asia/Shanghai. */
  asOf?: string;
  provinces?: string[];
}

export async function riskGradesNightly(input: RiskGradesNightlyInput = {}): Promise<{ asOf: string; graded: number; changed: number }> {
  const asOf = input.asOf ?? shanghaiDate(Date.now());
  let graded = 0;
  let changed = 0;
  for (const province of input.provinces ?? PROVINCE_CODES) {
    let after: string | undefined;
    for (;;) {
      const r = await acts.recomputeProvinceGrades({ province, asOf, limit: 200, ...(after !== undefined ? { after } : {}) });
      graded += r.graded;
      changed += r.changed;
      if (r.last === null) break;
      after = r.last;
    }
  }
  return { asOf, graded, changed };
}
