/**
 * Who calls the local stand-ins, and whether they may. Every Lambda
 * invocation (and the state machine) gets a session: its own access key id,
 * tied to the role the template gives that function, so the S3 and DynamoDB
 * gates (gate.ts) know the caller of every request and check it against the
 * role's policies (iam.ts) as AWS would. A Lambda sandbox keeps its session
 * for its life, as Lambda gives an execution environment its role's
 * credentials once, at init, in its environment variables (runner.ts): the
 * session is frozen between invocations (its requests cut, as a frozen
 * sandbox makes none) and ended when the sandbox is discarded (its invocation
 * timed out or crashed): its later requests are cut.
 */
import { accessDeniedMessage, evaluate } from './iam';
import type { AuthzRequest, PolicyDocument } from './iam';
import { LOCAL_ACCOUNT } from './iam-template';
import type { LocalRole, TemplateIam } from './iam-template';
import type { NeededAuth } from './aws-actions';

/** What a session's hook may do with a request: let it through, or hold it until the session ends. */
export type RequestVerdict = 'pass' | 'stall';

/** One caller: a Lambda invocation or the state machine. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  role: LocalRole;
  /** Session name in messages (the function's name). */
  name: string;
  /** Ended (the sandbox was discarded): its requests are cut, for good. */
  ended: boolean;
  /** Frozen (its sandbox runs no invocation): its requests are cut until it thaws. */
  frozen: boolean;
  /** Requests seen in the current invocation. */
  requests: number;
  /** Called before each request is forwarded (faults). */
  onRequest?: (service: string, action: string) => RequestVerdict;
  /** Called after a request was answered (faults). */
  onResponse?: (service: string, action: string, status: number) => void;
  /** Resolves when the session ends. */
  endedPromise: Promise<void>;
  end(): void;
  /** The sandbox's invocation ended: requests cut until `thaw`. */
  freeze(): void;
  /** An invocation starts in the sandbox: requests pass again, counted from 0, without the last invocation's hooks. */
  thaw(): void;
}

/** A denied request: AWS's error text. */
export interface Denial { action: string; resource: string; role: string; message: string }

/** Sessions and decisions for one local run. */
export class LocalAuthority {
  private readonly sessions = new Map<string, Session>();
  private seq = 0;
  /** Every denial, in order (the run reports them). */
  readonly denials: Denial[] = [];
  /** Called when a session key is created (s3rver must know the key to accept its signature). */
  onNewKey: (accessKeyId: string, secret: string) => void = () => undefined;

  constructor(readonly iam: TemplateIam) {}

  /** A new session for a role. */
  newSession(roleArn: string, name: string): Session {
    const role = this.iam.roles.get(roleArn);
    if (!role) throw new Error(`no role ${roleArn} in the template`);
    const n = ++this.seq;
    const accessKeyId = `ZFLOCAL${String(n).padStart(9, '0')}`;
    const secretAccessKey = `zonalflow-local-${n}`;
    let resolveEnded!: () => void;
    const endedPromise = new Promise<void>((r) => (resolveEnded = r));
    const session: Session = {
      accessKeyId,
      secretAccessKey,
      role,
      name,
      ended: false,
      frozen: false,
      requests: 0,
      endedPromise,
      end() {
        if (session.ended) return;
        session.ended = true;
        resolveEnded();
      },
      freeze() {
        session.frozen = true;
      },
      thaw() {
        session.frozen = false;
        session.requests = 0;
        delete session.onRequest;
        delete session.onResponse;
      },
    };
    this.sessions.set(accessKeyId, session);
    this.onNewKey(accessKeyId, secretAccessKey);
    return session;
  }

  /** The session of an access key id (undefined: not a session of this run). */
  session(accessKeyId: string): Session | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** The request context AWS would build for a session's call (the SDK calls AWS over TLS). */
  context(session: Session, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
    return { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': session.role.arn, 'aws:PrincipalAccount': LOCAL_ACCOUNT, 'aws:PrincipalType': 'AssumedRole', 'aws:CurrentTime': new Date().toISOString(), ...extra };
  }

  /** Decides one needed authorization; resource policies (bucket policies) when given. */
  check(session: Session, need: NeededAuth, resourcePolicies: PolicyDocument[] = []): { allowed: true } | { allowed: false; denial: Denial } {
    const req: AuthzRequest = { principal: session.role.arn, action: need.action, resource: need.resource, context: this.context(session, need.context) };
    const d = evaluate(req, session.role.policies, resourcePolicies);
    if (d.allowed) return { allowed: true };
    const denial = { action: need.action, resource: need.resource, role: session.role.name, message: accessDeniedMessage(req, d, session.name) };
    this.denials.push(denial);
    return { allowed: false, denial };
  }

  /** Bucket policies of a bucket. */
  bucketPolicies(bucket: string): PolicyDocument[] {
    return this.iam.bucketPolicies[bucket] ?? [];
  }
}
