// The bench worker registers the real workflows and the bare baselines side by side.
export * from '../../workflows';
export { bareActivityChild, bareBatch, bareCase, bareTask, bareTimerChild } from './bare';
