/**
 * The local IAM evaluator against AWS's documented evaluation logic:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * (explicit deny > allow > implicit deny), the Action/Resource element pages
 * (wildcards, case) and the condition operators page
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
import { describe, expect, it } from 'vitest';
import { accessDeniedMessage, actionMatches, arnMatches, assumedRoleArn, evaluate, PolicyEvaluationError, wildcardMatch } from '../../../shared/local/iam';
import type { AuthzRequest, PolicyDocument } from '../../../shared/local/iam';

const ROLE = 'arn:aws:iam::000000000000:role/PlanRole';
const req = (action: string, resource: string, context: AuthzRequest['context'] = {}): AuthzRequest => ({ principal: ROLE, action, resource, context });
const allow = (Action: string | string[], Resource: string | string[], extra: Record<string, unknown> = {}): PolicyDocument => ({ Statement: [{ Effect: 'Allow', Action, Resource, ...extra }] });

describe('wildcards', () => {
  it('* spans any characters, ? exactly one', () => {
    expect(wildcardMatch('a*c', 'abbbc')).toBe(true);
    expect(wildcardMatch('a*c', 'ac')).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a?c', 'ac')).toBe(false);
    expect(wildcardMatch('a*b*c', 'axxbyyc')).toBe(true);
    expect(wildcardMatch('a*b*c', 'axxbyy')).toBe(false);
  });
  it('actions are case-insensitive (the Action element page)', () => {
    expect(actionMatches('s3:get*', 's3:GetObject')).toBe(true);
    expect(actionMatches('S3:GetObject*', 's3:GetObject')).toBe(true);
    expect(actionMatches('s3:Put*', 's3:GetObject')).toBe(false);
    expect(actionMatches('*', 'dynamodb:PutItem')).toBe(true);
  });
  it('resource ARNs are case-sensitive and matched part by part, the resource id taking the rest', () => {
    expect(arnMatches('arn:aws:s3:::bucket/_work/*', 'arn:aws:s3:::bucket/_work/job/a.json')).toBe(true);
    expect(arnMatches('arn:aws:s3:::bucket/_work/*', 'arn:aws:s3:::bucket/job/summary.json')).toBe(false);
    expect(arnMatches('arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/x')).toBe(false);
    expect(arnMatches('arn:aws:lambda:us-east-1:000000000000:function:Plan:*', 'arn:aws:lambda:us-east-1:000000000000:function:Plan:1')).toBe(true);
    expect(arnMatches('arn:aws:lambda:us-east-1:000000000000:function:Plan', 'arn:aws:lambda:us-east-1:000000000000:function:Plan:1')).toBe(false);
    expect(arnMatches('arn:aws:dynamodb:*:000000000000:table/t/index/*', 'arn:aws:dynamodb:us-east-1:000000000000:table/t/index/byCreated')).toBe(true);
    // a * in the region part does not swallow the account part
    expect(arnMatches('arn:aws:dynamodb:*:111111111111:table/t', 'arn:aws:dynamodb:us-east-1:000000000000:table/t')).toBe(false);
  });
});

describe('evaluation logic', () => {
  it('no statement allows: implicit deny', () => {
    const d = evaluate(req('s3:GetObject', 'arn:aws:s3:::out/_work/j/manifest.json'), [allow('s3:PutObject', 'arn:aws:s3:::out/_work/*')]);
    expect(d).toEqual({ allowed: false, explicit: false });
  });
  it('an Allow whose action and resource match allows', () => {
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::in/a.gpkg'), [allow(['s3:GetObject*', 's3:List*'], ['arn:aws:s3:::in', 'arn:aws:s3:::in/*'])]).allowed).toBe(true);
  });
  it('an explicit Deny wins over any Allow, in either kind of policy', () => {
    const id = [allow('s3:*', '*'), { Statement: { Effect: 'Deny' as const, Action: 's3:DeleteObject', Resource: '*' } }];
    expect(evaluate(req('s3:DeleteObject', 'arn:aws:s3:::in/a'), id)).toMatchObject({ allowed: false, explicit: true, by: 'identity' });
    const bucketPolicy: PolicyDocument = { Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: ['arn:aws:s3:::in', 'arn:aws:s3:::in/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] };
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::in/a', { 'aws:SecureTransport': 'false' }), [allow('s3:*', '*')], [bucketPolicy])).toMatchObject({ allowed: false, explicit: true, by: 'resource' });
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::in/a', { 'aws:SecureTransport': 'true' }), [allow('s3:*', '*')], [bucketPolicy]).allowed).toBe(true);
  });
  it('a resource policy allows only the principals it names', () => {
    const rp = (principal: PolicyDocument['Statement']): PolicyDocument => ({ Statement: principal });
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::in/a'), [], [rp({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::in/*' })]).allowed).toBe(true);
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::in/a'), [], [rp({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::in/*' })]).allowed).toBe(false);
  });
  it('NotAction and NotResource match everything but what they list', () => {
    const p: PolicyDocument = { Statement: [{ Effect: 'Allow', NotAction: 's3:Delete*', NotResource: 'arn:aws:s3:::secret/*' }] };
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::in/a'), [p]).allowed).toBe(true);
    expect(evaluate(req('s3:DeleteObject', 'arn:aws:s3:::in/a'), [p]).allowed).toBe(false);
    expect(evaluate(req('s3:GetObject', 'arn:aws:s3:::secret/a'), [p]).allowed).toBe(false);
  });
});

describe('conditions', () => {
  const withCond = (Condition: Record<string, Record<string, string | string[]>>): PolicyDocument[] => [allow('s3:ListBucket', 'arn:aws:s3:::out', { Condition })];
  const list = (ctx: AuthzRequest['context']): boolean => evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', ctx), withCond({ StringLike: { 's3:prefix': ['_work/*', 'jobs/*'] } })).allowed;
  it('values of one key are ORed; a missing key makes a positive operator false', () => {
    expect(list({ 's3:prefix': '_work/j/' })).toBe(true);
    expect(list({ 's3:prefix': 'jobs/x' })).toBe(true);
    expect(list({ 's3:prefix': 'other/' })).toBe(false);
    expect(list({})).toBe(false);
  });
  it('negated operators are NORed over the values and true when the key is missing', () => {
    const p = withCond({ StringNotEquals: { 's3:prefix': ['a', 'b'] } });
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 's3:prefix': 'a' }), p).allowed).toBe(false);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 's3:prefix': 'c' }), p).allowed).toBe(true);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', {}), p).allowed).toBe(true);
  });
  it('operators and keys are ANDed; IfExists and Null test presence', () => {
    const p = withCond({ StringEquals: { 'aws:SourceAccount': '000000000000' }, ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::in*' } });
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'aws:SourceAccount': '000000000000', 'aws:SourceArn': 'arn:aws:s3:::input' }), p).allowed).toBe(true);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'aws:SourceAccount': '000000000000' }), p).allowed).toBe(false);
    const ie = withCond({ StringEqualsIfExists: { 's3:prefix': '_work/' } });
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', {}), ie).allowed).toBe(true);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 's3:prefix': 'x' }), ie).allowed).toBe(false);
    const n = withCond({ Null: { 's3:prefix': 'true' } });
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', {}), n).allowed).toBe(true);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 's3:prefix': 'x' }), n).allowed).toBe(false);
  });
  it('ForAllValues / ForAnyValue over multi-valued keys; context keys are case-insensitive', () => {
    const all = withCond({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'status'] } });
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'dynamodb:attributes': ['pk', 'status'] }), all).allowed).toBe(true);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'dynamodb:Attributes': ['pk', 'secret'] }), all).allowed).toBe(false);
    const any = withCond({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': ['secret'] } });
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'dynamodb:Attributes': ['pk', 'secret'] }), any).allowed).toBe(true);
    expect(evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'dynamodb:Attributes': ['pk'] }), any).allowed).toBe(false);
  });
  it('an unknown operator is an error, never silently true', () => {
    expect(() => evaluate(req('s3:ListBucket', 'arn:aws:s3:::out', { 'aws:SourceIp': '10.0.0.1' }), withCond({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }))).toThrow(PolicyEvaluationError);
  });
});

describe('the AccessDenied message', () => {
  it('names the assumed role, the action and the resource in AWS\'s wording', () => {
    const r = req('s3:GetObject', 'arn:aws:s3:::out/_work/j/manifest.json');
    expect(assumedRoleArn(ROLE, 'Plan')).toBe('arn:aws:sts::000000000000:assumed-role/PlanRole/Plan');
    expect(accessDeniedMessage(r, { allowed: false, explicit: false }, 'Plan')).toBe('User: arn:aws:sts::000000000000:assumed-role/PlanRole/Plan is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::out/_work/j/manifest.json because no identity-based policy allows the s3:GetObject action');
    expect(accessDeniedMessage(r, { allowed: false, explicit: true, by: 'resource', statement: { Effect: 'Deny' } }, 'Plan')).toMatch(/with an explicit deny in a resource-based policy$/);
  });
});
