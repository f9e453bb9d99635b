/**
 * Custom search attributes: what ops filter on in the Temporal UI and `temporal workflow list`.
 * Registered by `npm start`, the test harness and the compose stack from this one list.
 */
import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType } from '@temporalio/common';

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

/**
 * What a new case carries from its start (the API's POST /applications): visible to lists and to
 * scoping before its first workflow task, and already what the case would write at intake, so
 * the case writes nothing until its stage moves (workflows/approval/case-state.ts).
 */
export function atIntakeSearchAttributes(app: { province: string; product: string; enterprise: { uscc: string } }): SearchAttributePair[] {
  return [
    { key: SA.stage, value: 'intake' },
    { key: SA.province, value: app.province },
    { key: SA.product, value: app.product },
    { key: SA.uscc, value: app.enterprise.uscc },
    { key: SA.waitingOn, value: 'nobody' },
    { key: SA.overdue, value: false },
  ];
}

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
