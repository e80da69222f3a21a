/**
 * Structured JSON logs of the handlers (Powertools for AWS Lambda's Logger):
 * one JSON object per line with the service, the stage, the level, and the
 * job's `jobId` / `batchId` on every line of an invocation. The level comes
 * from POWERTOOLS_LOG_LEVEL (INFO on AWS; `zonalflow local` sets SILENT unless
 * asked for handler logs), read at each invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

const loggers = new Map<string, Logger>();

/** The logger of a stage for one invocation, carrying `keys` (jobId, batchId) on every line. */
export function stageLogger(stage: string, keys: { jobId?: string | undefined; batchId?: string | undefined } = {}): Logger {
  let logger = loggers.get(stage);
  if (!logger) {
    logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'zonalflow', persistentKeys: { stage } });
    loggers.set(stage, logger);
  }
  const wanted = (process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase();
  logger.setLogLevel((LEVELS as readonly string[]).includes(wanted) ? (wanted as Level) : 'INFO');
  logger.resetKeys();
  const present = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)) as Record<string, string>;
  logger.appendKeys(present);
  return logger;
}

/** The job id an event names, when it names one (Plan's comes out of its result). */
export function eventKeys(event: unknown): { jobId?: string; batchId?: string } {
  const e = event as { jobId?: unknown; batchId?: unknown; state?: { jobId?: unknown }; input?: { jobId?: unknown } } | null;
  if (!e || typeof e !== 'object') return {};
  const jobId = [e.jobId, e.state?.jobId, e.input?.jobId].find((v): v is string => typeof v === 'string');
  return { ...(jobId ? { jobId } : {}), ...(typeof e.batchId === 'string' ? { batchId: e.batchId } : {}) };
}
