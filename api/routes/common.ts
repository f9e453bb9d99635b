/** What every route module shares: error descriptions, scopes, links. */
import { ROLES, type Role } from '../../domain/roles';
import type { ResponseDoc } from '../route';

/** Every role that reads cases and licences. Inspectors (R11) see their own inspection tasks, not the approval cases; reporters (R18) their own submissions only. */
export const ALL_ROLES: Role[] = ROLES.filter((r) => r !== 'inspector' && r !== 'reporter');
export const CASE_SCOPE = 'Applicants see only their own enterprise (USCC); authority staff only their province (R01); samr and ops see all.';
export const CERTIFICATE_SCOPE = "Applicants see only their own enterprise's certificates; authority staff only their province's (R01); samr and ops all.";

export const E = {
  400: { description: 'body is not valid JSON' },
  401: { description: 'no token, or not a valid one' },
  403: { description: 'the role may not do this; or refused by the workflow validator' },
  404: { description: "no such case, or one of another province or enterprise (R01: the same answer, so its existence is not revealed)" },
  409: { description: 'the case is closed, or the workflow refused the message at its current stage' },
  413: { description: 'body larger than the limit' },
  415: { description: 'body is not application/json' },
  422: { description: 'invalid input; `errors` names each field path' },
  503: { description: 'Temporal or the database is unreachable' },
} satisfies Record<number, ResponseDoc>;

export const caseLink = (id: string): string => `/applications/${encodeURIComponent(id)}`;
