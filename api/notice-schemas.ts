/** L02: the written notices of a case, as `GET /applications/{id}/notices` returns them. */
import { z } from 'zod';
import { ExpectedLength } from '../domain/approval/notices';

/** L02: a written notice to the applicant (db/written_notices). */
export const WrittenNoticeSchema = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    kind: z.enum(['clock-paused', 'clock-resumed']),
    pauseKind: z.string().describe('testing, expert-review or hearing'),
    rule: z.string(),
    what: z.string(),
    why: z.string(),
    expectedLength: ExpectedLength.optional().describe('how long the pause is expected to last (pause notices)'),
    body: z.string().describe('the notice as sent, Chinese and English'),
    issuedAt: z.string().describe('when it was issued: the instant the clock stopped or ran again'),
    issuedBy: z.string(),
  })
  .strict();
export const NoticeList = z.object({ applicationId: z.string(), items: z.array(WrittenNoticeSchema) }).strict();
