// Every workflow type the worker registers.
export { licenceApplication } from './licence-application';
export { followUpInspection } from './follow-up';
export { samrSampling } from './samr-sampling';
export { licenceLifecycle } from './licence-lifecycle';
