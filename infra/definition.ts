/**
 * The state machine definition of a synthesized template as plain ASL JSON:
 * the `DefinitionString` (an Fn::Join of text and references) resolved with
 * the ARNs/names given for each logical id (`Ref` and `Fn::GetAtt`), so the
 * local runner and the tests can execute and validate exactly what deploys.
 */

type Cfn = string | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Cfn[]] } | Record<string, unknown>;

/** Resources of a template of one type. */
export function resourcesOfType(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => [id, r.Properties ?? {}]);
}

/** Resolves a CloudFormation value: strings, Ref, Fn::GetAtt, Fn::Join; pseudo parameters from `pseudo`. */
export function resolveCfn(value: Cfn, refs: Record<string, string>, pseudo: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Cfn[]] };
  if (v.Ref !== undefined) {
    const r = refs[v.Ref] ?? pseudo[v.Ref] ?? { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '000000000000', 'AWS::URLSuffix': 'amazonaws.com' }[v.Ref];
    if (r === undefined) throw new Error(`no value for Ref ${v.Ref}`);
    return r;
  }
  if (v['Fn::GetAtt']) {
    const [id, attr] = v['Fn::GetAtt'];
    const r = refs[`${id}.${attr}`] ?? refs[id];
    if (r === undefined) throw new Error(`no value for Fn::GetAtt ${id}.${attr}`);
    return r;
  }
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'];
    return parts.map((p) => resolveCfn(p, refs, pseudo)).join(sep);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value).slice(0, 200)}`);
}

/** The ASL of the (only) state machine of a template. */
export function renderDefinition(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, refs: Record<string, string>): Record<string, unknown> {
  const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  const first = machines[0];
  if (!first || machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  return JSON.parse(resolveCfn(first[1].DefinitionString as Cfn, refs)) as Record<string, unknown>;
}

/** Plausible ARNs for every Lambda function and bucket of a template (for validation and local execution). */
export function placeholderRefs(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    const name = id.toLowerCase();
    if (r.Type === 'AWS::Lambda::Function') {
      refs[`${id}.Arn`] = `arn:aws:lambda:us-east-1:000000000000:function:${id}`;
      refs[id] = id;
    } else if (r.Type === 'AWS::S3::Bucket') {
      refs[id] = name;
      refs[`${id}.Arn`] = `arn:aws:s3:::${name}`;
    } else {
      refs[id] = id;
      refs[`${id}.Arn`] = `arn:aws:${r.Type.split('::')[1]?.toLowerCase() ?? 'x'}:us-east-1:000000000000:${id}`;
    }
  }
  return refs;
}
