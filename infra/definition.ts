/**
 * The state machine definition of a synthesized template as plain ASL JSON:
 * the `DefinitionString` (an Fn::Join of text and references) resolved with
 * the ARNs/names given for each logical id (`Ref` and `Fn::GetAtt`), so the
 * local runner and the tests can execute and validate exactly what deploys.
 *
 * Use (what `zonalflow local` does):
 *   const refs = { ...placeholderRefs(template), [outputBucketId]: 'local-output', ... };
 *   const asl = renderDefinition(template, refs);
 * `refs` maps a logical id to what `Ref` returns (bucket name, table name)
 * and `<id>.<Attr>` to what `Fn::GetAtt` returns (`<id>.Arn` for a function:
 * the Task states' `Parameters.FunctionName`, so the runner dispatches each
 * Task to the handler of that function). Pseudo parameters default to
 * aws / us-east-1 / 000000000000. Everything left unresolved is an error
 * naming the reference, never a silent placeholder.
 */

type Cfn = string | number | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Cfn[]]; 'Fn::Select'?: [number | string, Cfn]; 'Fn::Split'?: [string, Cfn]; 'Fn::Sub'?: string } | Record<string, unknown>;

const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '000000000000', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'Zonalflow' };

/** Resources of a template of one type. */
export function resourcesOfType(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => [id, r.Properties ?? {}]);
}

/** Resolves a CloudFormation value: strings, Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Sub (no variable map); pseudo parameters from `pseudo`. */
export function resolveCfn(value: Cfn, refs: Record<string, string>, pseudo: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] | string; 'Fn::Join'?: [string, Cfn[]]; 'Fn::Select'?: [number | string, Cfn]; 'Fn::Split'?: [string, Cfn]; 'Fn::Sub'?: string };
  const ref = (name: string): string => {
    const r = refs[name] ?? pseudo[name] ?? PSEUDO[name];
    if (r === undefined) throw new Error(`no value for Ref ${name}`);
    return r;
  };
  const getAtt = (id: string, attr: string): string => {
    const r = refs[`${id}.${attr}`] ?? refs[id];
    if (r === undefined) throw new Error(`no value for Fn::GetAtt ${id}.${attr}`);
    return r;
  };
  if (v.Ref !== undefined) return ref(v.Ref);
  if (v['Fn::GetAtt']) {
    const att = v['Fn::GetAtt'];
    const [id = '', attr = ''] = typeof att === 'string' ? att.split('.') : att;
    return getAtt(id, attr);
  }
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'];
    return parts.map((p) => resolveCfn(p, refs, pseudo)).join(sep);
  }
  if (v['Fn::Select']) {
    const [index, list] = v['Fn::Select'];
    const items = isSplit(list) ? splitOf(list, refs, pseudo) : (list as Cfn[]).map((p) => resolveCfn(p, refs, pseudo));
    const item = items[Number(index)];
    if (item === undefined) throw new Error(`Fn::Select index ${index} out of range (${items.length} items)`);
    return item;
  }
  if (v['Fn::Sub'] !== undefined && typeof v['Fn::Sub'] === 'string') {
    return v['Fn::Sub'].replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
      const dot = name.indexOf('.');
      return dot > 0 && !name.startsWith('AWS::') ? getAtt(name.slice(0, dot), name.slice(dot + 1)) : ref(name);
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value).slice(0, 200)}`);
}

function isSplit(v: unknown): v is { 'Fn::Split': [string, Cfn] } {
  return typeof v === 'object' && v !== null && 'Fn::Split' in v;
}

function splitOf(v: { 'Fn::Split': [string, Cfn] }, refs: Record<string, string>, pseudo: Record<string, string>): string[] {
  const [sep, source] = v['Fn::Split'];
  return resolveCfn(source, refs, pseudo).split(sep);
}

/** The ASL of the (only) state machine of a template; `refs` defaults to {@link placeholderRefs} of the template. */
export function renderDefinition(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, refs: Record<string, string> = placeholderRefs(template)): Record<string, unknown> {
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
    } else if (r.Type === 'AWS::StepFunctions::StateMachine') {
      refs[id] = `arn:aws:states:us-east-1:000000000000:stateMachine:${id}`;
      refs[`${id}.Arn`] = refs[id];
      refs[`${id}.Name`] = id;
    } else {
      refs[id] = id;
      refs[`${id}.Arn`] = `arn:aws:${r.Type.split('::')[1]?.toLowerCase() ?? 'x'}:us-east-1:000000000000:${id}`;
    }
  }
  return refs;
}
