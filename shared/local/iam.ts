/**
 * An IAM policy evaluator for `zonalflow local`: decides whether a principal
 * (a role of the synthesized template) may perform an action on a resource,
 * the way AWS decides it within one account
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 *  1. an explicit `Deny` in any applicable policy (identity- or resource-based) denies;
 *  2. otherwise an `Allow` in an identity-based policy, or in a resource-based
 *     policy whose `Principal` names the caller, allows;
 *  3. otherwise the request is implicitly denied.
 * A statement applies when its `Action` (or `NotAction`) and `Resource` (or
 * `NotResource`) match and every condition holds.
 * - Actions match case-insensitively, with `*` and `?` wildcards
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
 * - Resources are ARNs: each of the six colon-separated parts is matched on its
 *   own, the last part (the resource id) taking the rest, case-sensitively, with
 *   `*` and `?` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 * - Conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 *   operators are ANDed, keys within an operator ANDed, values of a key ORed
 *   (NORed for negated operators); a key absent from the request context makes
 *   the condition false, or true for a negated operator; `...IfExists` is true
 *   when the key is absent; `Null` tests presence; `ForAnyValue:` /
 *   `ForAllValues:` qualify multi-valued keys. An operator this module does not
 *   know is an error, never silently true.
 * Pure: no I/O.
 */

/** A condition block: operator -> key -> value(s). */
export type ConditionBlock = Record<string, Record<string, string | boolean | number | (string | boolean | number)[]>>;

/** One policy statement (values already resolved to text). */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** Resource-based policies only: `"*"`, `{AWS: ...}`, `{Service: ...}`. */
  Principal?: string | Record<string, string | string[]>;
  Condition?: ConditionBlock;
}

/** A policy document. */
export interface PolicyDocument { Version?: string; Statement: Statement | Statement[] }

/** A request to authorize. */
export interface AuthzRequest {
  /** The caller: a role ARN (arn:aws:iam::<account>:role/<name>). */
  principal: string;
  /** `service:Action`, e.g. `s3:GetObject`. */
  action: string;
  /** The resource ARN. */
  resource: string;
  /** Request context keys (e.g. `aws:SecureTransport`, `s3:prefix`); multi-valued keys as arrays. */
  context?: Record<string, string | string[] | undefined>;
}

/** The outcome: allowed, or denied explicitly (by which kind of policy) or implicitly. */
export type Decision =
  | { allowed: true; statement: Statement }
  | { allowed: false; explicit: true; by: 'identity' | 'resource'; statement: Statement }
  | { allowed: false; explicit: false };

/** A policy in the template uses a feature the evaluator cannot decide. */
export class PolicyEvaluationError extends Error {
  override name = 'PolicyEvaluationError';
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `*` and `?` wildcard match of a whole string. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // iterative glob match with backtracking on the last '*'
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** An action pattern (`s3:Get*`) against an action (`s3:GetObject`): case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return pattern === '*' || wildcardMatch(pattern, action, true);
}

function arnParts(arn: string): string[] | null {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** An ARN pattern against an ARN: part by part, the resource part taking the rest (ArnLike semantics). */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = arnParts(pattern);
  const a = arnParts(arn);
  if (!p || !a) return wildcardMatch(pattern, arn);
  return p.every((part, i) => wildcardMatch(part, a[i] ?? ''));
}

type Scalar = string | boolean | number;
const text = (v: Scalar): string => String(v);

function matchOne(op: string, policyValue: string, actual: string): boolean {
  switch (op) {
    case 'StringEquals':
    case 'StringNotEquals':
      return policyValue === actual;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policyValue.toLowerCase() === actual.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return wildcardMatch(policyValue, actual);
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'ArnLike':
    case 'ArnNotLike':
      return arnMatches(policyValue, actual);
    case 'Bool':
      return policyValue.toLowerCase() === actual.toLowerCase();
    case 'NumericEquals':
    case 'NumericNotEquals':
      return Number(actual) === Number(policyValue);
    case 'NumericLessThan':
      return Number(actual) < Number(policyValue);
    case 'NumericLessThanEquals':
      return Number(actual) <= Number(policyValue);
    case 'NumericGreaterThan':
      return Number(actual) > Number(policyValue);
    case 'NumericGreaterThanEquals':
      return Number(actual) >= Number(policyValue);
    default:
      throw new PolicyEvaluationError(`condition operator ${op} is not supported by the local IAM evaluator`);
  }
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals']);

/** One operator/key pair of a condition block against the request context. */
function conditionHolds(rawOp: string, key: string, values: Scalar[], context: Record<string, string | string[] | undefined>): boolean {
  // context keys are case-insensitive
  const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  const actual = found === undefined ? [] : list(found);
  const present = actual.length > 0;
  if (rawOp === 'Null') {
    const wantsNull = values.some((v) => text(v).toLowerCase() === 'true');
    return wantsNull ? !present : present;
  }
  let op = rawOp;
  let set: 'any' | 'all' | null = null;
  if (op.startsWith('ForAnyValue:')) {
    set = 'any';
    op = op.slice('ForAnyValue:'.length);
  } else if (op.startsWith('ForAllValues:')) {
    set = 'all';
    op = op.slice('ForAllValues:'.length);
  }
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const negated = NEGATED.has(op);
  if (!present) {
    if (ifExists) return true;
    if (set === 'all') return true; // ForAllValues over an empty set is vacuously true
    return negated;
  }
  const matchesAny = (a: string): boolean => values.some((v) => matchOne(op, text(v), a));
  const single = (a: string): boolean => (negated ? !matchesAny(a) : matchesAny(a));
  if (set === 'all') return actual.every(single);
  return actual.some(single);
}

function conditionsHold(block: ConditionBlock | undefined, context: Record<string, string | string[] | undefined>): boolean {
  if (!block) return true;
  return Object.entries(block).every(([op, keys]) => Object.entries(keys).every(([key, v]) => conditionHolds(op, key, list(v), context)));
}

function principalMatches(principal: Statement['Principal'], caller: string): boolean {
  if (principal === undefined) return false;
  if (principal === '*') return true;
  if (typeof principal === 'string') return principal === caller;
  const aws = list(principal.AWS);
  const account = caller.split(':')[4] ?? '';
  return aws.some((p) => p === '*' || p === caller || p === account || p === `arn:aws:iam::${account}:root`);
}

/** Whether a statement applies to the request (action, resource, conditions; and principal for resource policies). */
export function statementApplies(s: Statement, req: AuthzRequest, resourcePolicy = false): boolean {
  if (resourcePolicy && !principalMatches(s.Principal, req.principal)) return false;
  const action = s.Action !== undefined ? list(s.Action).some((a) => actionMatches(a, req.action)) : s.NotAction !== undefined ? !list(s.NotAction).some((a) => actionMatches(a, req.action)) : false;
  if (!action) return false;
  const resource = s.Resource !== undefined ? list(s.Resource).some((r) => arnMatches(r, req.resource)) : s.NotResource !== undefined ? !list(s.NotResource).some((r) => arnMatches(r, req.resource)) : false;
  if (!resource) return false;
  return conditionsHold(s.Condition, req.context ?? {});
}

/** Decides a request against the caller's identity policies and the resource's policies (same account). */
export function evaluate(req: AuthzRequest, identity: PolicyDocument[], resource: PolicyDocument[] = []): Decision {
  const idStatements = identity.flatMap((p) => list(p.Statement));
  const resStatements = resource.flatMap((p) => list(p.Statement));
  for (const s of idStatements) if (s.Effect === 'Deny' && statementApplies(s, req)) return { allowed: false, explicit: true, by: 'identity', statement: s };
  for (const s of resStatements) if (s.Effect === 'Deny' && statementApplies(s, req, true)) return { allowed: false, explicit: true, by: 'resource', statement: s };
  for (const s of idStatements) if (s.Effect === 'Allow' && statementApplies(s, req)) return { allowed: true, statement: s };
  for (const s of resStatements) if (s.Effect === 'Allow' && statementApplies(s, req, true)) return { allowed: true, statement: s };
  return { allowed: false, explicit: false };
}

/** The caller as AWS names it in an AccessDenied message: the assumed-role session of a role ARN. */
export function assumedRoleArn(roleArn: string, session: string): string {
  const m = /^arn:([^:]+):iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return m ? `arn:${m[1] ?? 'aws'}:sts::${m[2] ?? ''}:assumed-role/${m[3] ?? ''}/${session}` : roleArn;
}

/** AWS's AccessDenied wording for a denied request. */
export function accessDeniedMessage(req: AuthzRequest, decision: Exclude<Decision, { allowed: true }>, session: string): string {
  const who = `User: ${assumedRoleArn(req.principal, session)} is not authorized to perform: ${req.action} on resource: ${req.resource}`;
  if (decision.explicit) return `${who} with an explicit deny in ${decision.by === 'identity' ? 'an identity-based' : 'a resource-based'} policy`;
  return `${who} because no identity-based policy allows the ${req.action} action`;
}
