/**
 * Who may send which message: one table that the workflows' validators enforce and the API
 * checks first (and documents in OpenAPI). Province and enterprise scope are checked on top.
 */
import type { Role } from './roles';

export const MAY = {
  submit: ['applicant'],
  supplement: ['applicant'],
  accept: ['acceptance-officer'],
  requestSupplement: ['acceptance-officer'],
  rejectAtIntake: ['acceptance-officer'],
  confirmPredecessorCancelled: ['acceptance-officer'],
  recordVerification: ['reviewer', 'supervisor'],
  pauseClock: ['reviewer', 'approver'],
  resumeClock: ['reviewer', 'approver'],
  approve: ['approver'],
  refuse: ['approver'],
  assignTeam: ['supervisor'],
  recordInspection: ['supervisor'],
  /** The holder may ask to cancel (注销) its own licence; staff of the province may too. */
  cancelLicence: ['applicant', 'supervisor', 'approver'],
  changeLicence: ['supervisor', 'approver'],
  revokeLicence: ['supervisor', 'approver'],
  certifyVerifier: ['supervisor', 'ops'],
  recordConflict: ['supervisor', 'ops'],
  /** R06: SAMR records the result of its random check of a drawn case. */
  recordSamrCheck: ['samr'],
  /** R06: the province's supervisor answers a SAMR finding (own province, R01). */
  answerSamrFinding: ['supervisor'],
  /** R06: SAMR reads every finding; a supervisor those of the own province. */
  readSamrFindings: ['samr', 'supervisor'],
  /** R11: the province's inspector register; a supervisor keeps his own province's. */
  manageInspectors: ['supervisor', 'ops'],
  listInspectors: ['supervisor', 'ops'],
  /** R11: the yearly plan of batches, and a new staffing pass when a draw could not be staffed. */
  recordPlan: ['supervisor'],
  readPlans: ['supervisor', 'ops'],
  restaffBatch: ['supervisor'],
  /** R11: an inspector sees the tasks he is drawn for; a supervisor his province's. */
  readInspectionTasks: ['supervisor', 'inspector', 'ops'],
  /** The drawn team; a certified verifier drawn onto it (R10) acts as `inspector` with his verifier id and certifying province. */
  recordInspectionTaskResult: ['inspector'],
  /** R17: grades with their reasons; a supervisor may override one, with a written reason. */
  readGrades: ['supervisor', 'ops'],
  overrideGrade: ['supervisor'],
  /** R14: a supervisor records his province's risk signals; SAMR passes on signals about a province's licensees. */
  recordRiskSignal: ['supervisor'],
  receiveRiskSignal: ['samr'],
  readRiskSignals: ['supervisor', 'samr', 'ops'],
  /** R16: campaigns of the province; a supervisor confirms or declines a proposed one. */
  readCampaigns: ['supervisor', 'ops'],
  decideCampaign: ['supervisor'],
  /** R15: the laboratory register; spot-check rounds and their steps; the enterprise reads its own and objects. */
  manageLaboratories: ['supervisor', 'ops'],
  listLaboratories: ['supervisor', 'ops'],
  planSpotChecks: ['supervisor'],
  readSpotRounds: ['supervisor', 'ops'],
  readSpotChecks: ['supervisor', 'applicant', 'ops'],
  recordSpotCheck: ['supervisor'],
  objectToSpotCheck: ['applicant'],
  /** R18: the province's register of reporters; reporters submit risk information and read their own; supervisors triage their province's. */
  manageReporters: ['supervisor', 'ops'],
  listReporters: ['supervisor', 'ops'],
  submitRiskReport: ['reporter'],
  readRiskReports: ['reporter', 'supervisor', 'samr', 'ops'],
  triageRiskReport: ['supervisor'],
  /** R13: flight inspections, ordered by SAMR or a province's supervisor; the drawn team records the result. Never the enterprise. */
  orderFlightInspection: ['samr', 'supervisor'],
  readFlightInspections: ['samr', 'supervisor', 'inspector', 'ops'],
  recordFlightResult: ['inspector'],
  restaffFlight: ['supervisor'],
  /** README "Failure policy": run again the steps a workflow holds after a failure for good. */
  retryAfterOps: ['ops'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof MAY;

/** `MAY[action]` as a mutable list, for APIs that want `Role[]`. */
export function rolesFor(action: Action): Role[] {
  return [...MAY[action]];
}
