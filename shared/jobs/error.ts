/** The job store's typed error. */
import { ZonalflowError } from '../errors';

/** The job store failed, refused an invalid input or transition, or was asked for something it does not hold. */
export class JobStoreError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('JOB_STORE', message, options);
  }
}
