/**
 * Custom search attributes: what ops filter on in the Temporal UI and `temporal workflow list`.
 * Registered by `npm start`, the test harness and the compose stack from this one list.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  stage: defineSearchAttributeKey('LpStage', SearchAttributeType.KEYWORD),
  path: defineSearchAttributeKey('LpPath', SearchAttributeType.KEYWORD),
  province: defineSearchAttributeKey('LpProvince', SearchAttributeType.KEYWORD),
  product: defineSearchAttributeKey('LpProduct', SearchAttributeType.KEYWORD),
  policyVersion: defineSearchAttributeKey('LpPolicyVersion', SearchAttributeType.KEYWORD),
  deadline: defineSearchAttributeKey('LpDeadline', SearchAttributeType.DATETIME),
  overdue: defineSearchAttributeKey('LpOverdue', SearchAttributeType.BOOL),
  uscc: defineSearchAttributeKey('LpUscc', SearchAttributeType.KEYWORD),
  waitingOn: defineSearchAttributeKey('LpWaitingOn', SearchAttributeType.KEYWORD),
  /** R16: a campaign's progress, the whole percentage of its licensees inspected. */
  progress: defineSearchAttributeKey('LpProgress', SearchAttributeType.INT),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    DATETIME: 'Datetime',
    BOOL: 'Bool',
    INT: 'Int',
    TEXT: 'Text',
    DOUBLE: 'Double',
    KEYWORD_LIST: 'KeywordList',
  };
  return ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type] ?? k.type}`]);
}
