/**
 * Structured JSON logs (pino) for the worker. The SDK adds workflowId, runId, activityId and
 * task queue to every workflow and activity log line, so ops can grep one case end to end.
 */
import pino from 'pino';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';

export function createPinoLogger(level: string, name: string) {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Adapts pino to the SDK's Logger interface (used by Runtime.install). */
export function temporalLoggerFrom(logger: pino.Logger, level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const fields = { ...entry.meta, sdkTime: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString() };
    switch (entry.level) {
      case 'TRACE':
        return logger.trace(fields, entry.message);
      case 'DEBUG':
        return logger.debug(fields, entry.message);
      case 'INFO':
        return logger.info(fields, entry.message);
      case 'WARN':
        return logger.warn(fields, entry.message);
      default:
        return logger.error(fields, entry.message);
    }
  });
}
