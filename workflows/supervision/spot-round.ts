/**
 * R15: a spot-check round, `spot-round/<round>`. Chooses the round's enterprises once (a seeded
 * draw by risk grade as in R11, stored with its population so it can be re-run, or the names the
 * supervisor gave) and starts one spot check per enterprise, `spot-check/<round>-<uscc>`, which
 * outlives the round (ABANDON). A re-run after a crash starts nothing twice.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { SA } from '../../domain/search-attributes';
import { type SpotRoundInput, type SpotRoundStatus, spotRoundStatusQuery, spotCheckWorkflowId } from '../../domain/supervision/spot-check';
import { shanghaiDate } from '../../domain/time';
import { spotCheck } from './spot-check';

export async function spotCheckRound(input: SpotRoundInput): Promise<SpotRoundStatus> {
  const st: SpotRoundStatus = { roundId: input.roundId, stage: 'drawing', started: 0 };
  setHandler(spotRoundStatusQuery, () => st);
  const publish = (waiting: string) =>
    upsertSearchAttributes([
      { key: SA.stage, value: `spot-round:${st.stage}` },
      { key: SA.province, value: input.province },
      { key: SA.waitingOn, value: waiting },
    ]);
  publish('draw');
  const checks = await acts.drawSpotRound({ roundId: input.roundId, asOf: shanghaiDate(Date.now()) });
  st.selected = checks.length;
  st.stage = 'starting';
  for (const c of checks) {
    try {
      // A spot check that already ran is never run again (its result, sample and order stand); only a failed one may be.
      await startChild(spotCheck, {
        workflowId: spotCheckWorkflowId(c.spotCheckId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        args: [c],
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
    st.started++;
  }
  st.stage = 'done';
  publish('nobody');
  return st;
}
