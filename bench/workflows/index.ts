// The bench worker registers the real workflows and the bare baselines side by side.
export * from '../../workflows';
export { bareActivityChild, bareCase, bareTimerChild } from './bare';
