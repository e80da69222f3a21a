/**
 * The faults `zonalflow local --faults a,b,...` injects: AWS's at-least-once
 * delivery and throttling, by name. Each is deterministic (the same run
 * injects the same faults), so its end-to-end test is repeatable.
 * - duplicate-event: the upload's EventBridge event is delivered twice (two executions start);
 * - duplicate-child: the first item's child execution of the Distributed Map runs twice, at once;
 * - collect-retry: Collect runs again after it succeeded (its first answer lost);
 * - s3-slowdown: every 4th S3 operation of a Lambda answers 503 SlowDown on its first 2 attempts;
 * - dynamodb-throttle: every 3rd DynamoDB operation of a Lambda answers
 *   ProvisionedThroughputExceededException / ThrottlingException on its first 3 attempts;
 * - worker-crash: the first Worker invocation dies after its first S3 write (Lambda.Unknown);
 * - lambda-timeout: the first Worker invocation stalls on S3 after 2 requests until it overruns its timeout (Sandbox.Timedout).
 */
import { ZonalflowError } from '../errors';
import type { HttpFaultInjector, InjectedError } from './gate';
import type { Session } from './authority';

/** The fault names, as the CLI takes them. */
export const FAULT_NAMES = ['duplicate-event', 'duplicate-child', 'collect-retry', 's3-slowdown', 'dynamodb-throttle', 'worker-crash', 'lambda-timeout'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Parses `a,b,...`; an unknown name is a usage error listing the valid ones. */
export function parseFaults(text: string | string[]): FaultName[] {
  const names = (Array.isArray(text) ? text : text.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(FAULT_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new ZonalflowError('USAGE', `unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} for --faults; valid: ${FAULT_NAMES.join(', ')}`);
  return [...new Set(names)] as FaultName[];
}

/** s3-slowdown and dynamodb-throttle: bursts of errors on some operations' first attempts (the SDK's retries absorb them). */
export class HttpFaults implements HttpFaultInjector {
  private readonly ops = new Map<string, boolean>();
  private count = { s3: 0, dynamodb: 0 };
  /** Errors injected so far, by code. */
  readonly injected: Record<string, number> = {};

  constructor(private readonly faults: ReadonlySet<FaultName>, private readonly onInject: (line: string) => void = () => undefined) {}

  inject(service: 's3' | 'dynamodb', session: Session, action: string, invocationId: string, attempt: number): InjectedError | null {
    const on = service === 's3' ? this.faults.has('s3-slowdown') : this.faults.has('dynamodb-throttle');
    if (!on || session.name === 'StateMachine') return null;
    const id = `${service}:${invocationId}`;
    let hit = this.ops.get(id);
    if (hit === undefined) {
      this.count[service]++;
      hit = service === 's3' ? this.count.s3 % 4 === 0 : this.count.dynamodb % 3 === 0;
      this.ops.set(id, hit);
    }
    const burst = service === 's3' ? 2 : 3;
    if (!hit || attempt > burst) return null;
    const e: InjectedError = service === 's3'
      ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
      : attempt % 2 === 1
        ? { status: 400, code: 'ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.' }
        : { status: 400, code: 'ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' };
    this.injected[e.code] = (this.injected[e.code] ?? 0) + 1;
    this.onInject(`${session.name}: ${action} answered ${e.code} (injected, attempt ${attempt})`);
    return e;
  }
}
