/**
 * The IAM of a synthesized template, resolved to the local resources' names:
 * each role with the policies attached to it (AWS::IAM::Policy resources that
 * list the role, the role's inline `Policies`, customer managed policies of
 * the template, and the AWS managed policies this stack uses), which role each
 * Lambda function and the state machine run as, and each bucket's policy.
 * `Ref` / `Fn::GetAtt` / `Fn::Join` / `Fn::Select` / `Fn::Split` / `Fn::Sub`
 * are resolved with `refs` (logical id -> local name or ARN). Pure.
 */
import { resolveCfn } from '../../infra/definition';
import type { PolicyDocument } from './iam';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };
type Cfn = Parameters<typeof resolveCfn>[0];

/** The local account id (also in the ARNs of infra/definition.ts's placeholders). */
export const LOCAL_ACCOUNT = '000000000000';

/** AWS managed policies the stack attaches, as AWS publishes them (only their statements matter locally). */
const AWS_MANAGED: Record<string, PolicyDocument> = {
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
  'service-role/AWSLambdaBasicExecutionRole': { Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] },
};

/** A role of the template. */
export interface LocalRole { logicalId: string; name: string; arn: string; policies: PolicyDocument[] }

/** The resolved IAM of a template. */
export interface TemplateIam {
  /** Roles by ARN. */
  roles: Map<string, LocalRole>;
  /** Function logical id -> role ARN. */
  functionRoles: Record<string, string>;
  /** The state machine's role ARN (and of the EventBridge rule's targets). */
  stateMachineRole: string | null;
  eventsRoles: string[];
  /** Bucket name -> its bucket policies. */
  bucketPolicies: Record<string, PolicyDocument[]>;
}

/** The ARN of a role of the template (its RoleName, else its logical id). */
export function roleArnOf(logicalId: string, props: Record<string, unknown> = {}): string {
  const name = typeof props.RoleName === 'string' ? props.RoleName : logicalId;
  return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;
}

/** Refs for every role of the template (`<id>` -> name, `<id>.Arn` -> ARN), to merge into the runner's refs. */
export function roleRefs(template: Template): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const arn = roleArnOf(id, r.Properties);
    out[id] = arn.split('/').pop() ?? id;
    out[`${id}.Arn`] = arn;
  }
  return out;
}

function isIntrinsic(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] ?? '').startsWith('Fn::'));
}

/** Resolves every intrinsic inside a JSON value. */
export function resolveDeep(value: unknown, refs: Record<string, string>): unknown {
  if (isIntrinsic(value)) return resolveCfn(value as Cfn, refs, { 'AWS::AccountId': LOCAL_ACCOUNT });
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, refs));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, refs)]));
  return value;
}

function refId(v: unknown): string | null {
  const r = v as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null;
  if (r && typeof r.Ref === 'string') return r.Ref;
  const att = r?.['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string') return att.split('.')[0] ?? null;
  return null;
}

/** Reads the template's roles, their policies, who runs as which role, and the bucket policies. */
export function templateIam(template: Template, refs: Record<string, string>): TemplateIam {
  const all = { ...roleRefs(template), ...refs };
  const roles = new Map<string, LocalRole>();
  const byId = new Map<string, LocalRole>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const props = r.Properties ?? {};
    const arn = roleArnOf(id, props);
    const role: LocalRole = { logicalId: id, name: arn.split('/').pop() ?? id, arn, policies: [] };
    for (const p of (props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) role.policies.push(resolveDeep(p.PolicyDocument, all) as PolicyDocument);
    for (const m of (props.ManagedPolicyArns as unknown[] | undefined) ?? []) {
      const managedId = refId(m);
      if (managedId && template.Resources[managedId]?.Type === 'AWS::IAM::ManagedPolicy') continue; // attached below
      const arnText = resolveCfn(m as Cfn, all);
      const name = arnText.replace(/^arn:aws[^:]*:iam::aws:policy\//, '');
      const doc = AWS_MANAGED[name];
      if (!doc) throw new Error(`the local IAM checker does not know the managed policy ${arnText} attached to role ${id}`);
      role.policies.push(doc);
    }
    roles.set(arn, role);
    byId.set(id, role);
  }
  const bucketPolicies: Record<string, PolicyDocument[]> = {};
  for (const [, r] of Object.entries(template.Resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const doc = resolveDeep(props.PolicyDocument, all) as PolicyDocument;
      for (const ref of (props.Roles as unknown[] | undefined) ?? []) {
        const role = byId.get(refId(ref) ?? '');
        if (role) role.policies.push(doc);
      }
    }
    if (r.Type === 'AWS::S3::BucketPolicy') {
      const bucket = resolveCfn(props.Bucket as Cfn, all);
      (bucketPolicies[bucket] ??= []).push(resolveDeep(props.PolicyDocument, all) as PolicyDocument);
    }
  }
  // customer managed policies attached through the role's ManagedPolicyArns
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    for (const m of (r.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? []) {
      const managed = template.Resources[refId(m) ?? ''];
      if (managed?.Type === 'AWS::IAM::ManagedPolicy') byId.get(id)?.policies.push(resolveDeep(managed.Properties?.PolicyDocument, all) as PolicyDocument);
    }
  }
  const functionRoles: Record<string, string> = {};
  let stateMachineRole: string | null = null;
  const eventsRoles: string[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::Lambda::Function') {
      const role = byId.get(refId(props.Role) ?? '');
      if (role) functionRoles[id] = role.arn;
    }
    if (r.Type === 'AWS::StepFunctions::StateMachine') stateMachineRole = byId.get(refId(props.RoleArn) ?? '')?.arn ?? null;
    if (r.Type === 'AWS::Events::Rule') {
      for (const t of (props.Targets as { RoleArn?: unknown }[] | undefined) ?? []) {
        const role = byId.get(refId(t.RoleArn) ?? '');
        if (role) eventsRoles.push(role.arn);
      }
    }
  }
  return { roles, functionRoles, stateMachineRole, eventsRoles, bucketPolicies };
}
