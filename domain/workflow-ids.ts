/**
 * Workflow ids and type names: how the API, the workflows and ops find each other's workflows.
 * Changing one strands every running case that was started under the old name.
 */

/** The case workflow's type (its function name in workflows/). Its id is the application id. */
export const CASE_WORKFLOW_TYPE = 'licenceApplication';

/** The after-issuance follow-up of a case (child workflow). */
export const followUpWorkflowId = (applicationId: string): string => `${applicationId}/follow-up`;

/** The lifecycle of one certificate. */
export const lifecycleWorkflowId = (certificateNumber: string): string => `licence/${certificateNumber}`;

/** The import of existing licences (issue 19): one workflow per import run. */
export const IMPORT_WORKFLOW_TYPE = 'licenceImport';
export const importWorkflowId = (importId: string): string => `import/${importId}`;

/** R06: a SAMR finding (a non-conforming random check) awaiting the province's answer: one per checked case. */
export const SAMR_FINDING_WORKFLOW_TYPE = 'samrFinding';
export const samrFindingWorkflowId = (applicationId: string): string => `samr-finding/${applicationId}`;
