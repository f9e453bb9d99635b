// Every workflow type the worker registers.
export { licenceApplication } from './approval/licence-application';
export { followUpInspection } from './supervision/follow-up';
export { samrSampling } from './samr/samr-sampling';
export { licenceLifecycle } from './licence/licence-lifecycle';
export { licenceImport } from './import/licence-import';
export { samrFinding } from './samr/samr-finding';
export { inspectionBatch } from './supervision/inspection-batch';
export { inspectionTask } from './supervision/inspection-task';
export { riskGradesNightly } from './supervision/risk-grades-nightly';
export { campaign } from './supervision/campaign';
export { riskSignalIntake, campaignDetectionNightly } from './supervision/risk-signal-intake';
export { spotCheck } from './supervision/spot-check';
export { spotCheckRound } from './supervision/spot-round';
export { riskReportTriage } from './supervision/risk-report';
export { flightInspection } from './supervision/flight-inspection';
