/**
 * The IAM action(s) and resource ARN(s) an S3 or DynamoDB HTTP request needs,
 * as AWS authorizes them (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
 * .../list_amazondynamodb.html). S3 requests are path-style
 * (`/bucket/key`, what the handlers' clients send to an endpoint URL).
 * Pure.
 */
import { LOCAL_ACCOUNT } from './iam-template';

/** One authorization a request needs. */
export interface NeededAuth { action: string; resource: string; context?: Record<string, string | string[]> }

/** What the gate knows of an S3 request. */
export interface S3RequestInfo { method: string; path: string; query: URLSearchParams; headers: Record<string, string | string[] | undefined> }

/** The bucket and key of a path-style S3 request. */
export function s3Target(path: string): { bucket: string; key: string } {
  const clean = path.replace(/^\/+/, '');
  const slash = clean.indexOf('/');
  if (slash < 0) return { bucket: decodeURIComponent(clean), key: '' };
  return { bucket: decodeURIComponent(clean.slice(0, slash)), key: decodeURIComponent(clean.slice(slash + 1)) };
}

/** The authorizations an S3 request needs (a DeleteObjects request: pass the keys in its body). */
export function s3Needs(req: S3RequestInfo, deleteKeys: string[] = []): NeededAuth[] {
  const { bucket, key } = s3Target(req.path);
  const q = req.query;
  const m = req.method.toUpperCase();
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = `${bucketArn}/${key}`;
  if (bucket === '') return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (key !== '') {
    const one = (action: string): NeededAuth[] => [{ action, resource: objectArn }];
    if (m === 'GET' || m === 'HEAD') {
      if (q.has('uploadId')) return one('s3:ListMultipartUploadParts');
      if (q.has('tagging')) return one('s3:GetObjectTagging');
      if (q.has('acl')) return one('s3:GetObjectAcl');
      return one('s3:GetObject');
    }
    if (m === 'PUT') {
      if (q.has('tagging')) return one('s3:PutObjectTagging');
      if (q.has('acl')) return one('s3:PutObjectAcl');
      const source = req.headers['x-amz-copy-source'];
      const copy = typeof source === 'string' ? decodeURIComponent(source.replace(/^\//, '').split('?')[0] ?? '') : '';
      return copy ? [...one('s3:PutObject'), { action: 's3:GetObject', resource: `arn:aws:s3:::${copy}` }] : one('s3:PutObject');
    }
    if (m === 'POST') return one('s3:PutObject'); // CreateMultipartUpload, CompleteMultipartUpload
    if (m === 'DELETE') return one(q.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject');
    return one(`s3:${m}`);
  }
  if (m === 'GET' || m === 'HEAD') {
    if (q.has('location')) return [{ action: 's3:GetBucketLocation', resource: bucketArn }];
    if (q.has('uploads')) return [{ action: 's3:ListBucketMultipartUploads', resource: bucketArn }];
    if (q.has('versions')) return [{ action: 's3:ListBucketVersions', resource: bucketArn }];
    const context: Record<string, string> = {};
    for (const k of ['prefix', 'delimiter', 'max-keys']) {
      const v = q.get(k);
      if (v !== null) context[`s3:${k}`] = v;
    }
    return [{ action: 's3:ListBucket', resource: bucketArn, context }];
  }
  if (m === 'POST' && q.has('delete')) return deleteKeys.map((k) => ({ action: 's3:DeleteObject', resource: `${bucketArn}/${k}` }));
  if (m === 'PUT') return [{ action: q.has('policy') ? 's3:PutBucketPolicy' : 's3:CreateBucket', resource: bucketArn }];
  if (m === 'DELETE') return [{ action: 's3:DeleteBucket', resource: bucketArn }];
  return [{ action: `s3:${m}`, resource: bucketArn }];
}

/** The keys of a DeleteObjects request body. */
export function deleteObjectsKeys(xml: string): string[] {
  return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => (m[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
}

/** A DynamoDB table (or index) ARN in the local account. */
export function tableArn(region: string, table: string, index?: string): string {
  return `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${table}${index ? `/index/${index}` : ''}`;
}

/** The authorizations a DynamoDB request needs: `target` is the X-Amz-Target header, `body` the parsed JSON body. */
export function dynamoNeeds(target: string, body: Record<string, unknown>, region: string): NeededAuth[] {
  const op = target.split('.').pop() ?? '';
  const action = `dynamodb:${op}`;
  const table = typeof body.TableName === 'string' ? body.TableName : '';
  switch (op) {
    case 'ListTables':
      return [{ action, resource: '*' }];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems as Record<string, unknown> | undefined) ?? {}).map((t) => ({ action, resource: tableArn(region, t) }));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const items = (body.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? [];
      const names: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
      return items.flatMap((item) => Object.entries(item).map(([kind, v]) => ({ action: `dynamodb:${names[kind] ?? kind}`, resource: tableArn(region, v.TableName ?? '') })));
    }
    case 'Query':
    case 'Scan':
      return [{ action, resource: tableArn(region, table, typeof body.IndexName === 'string' ? body.IndexName : undefined) }];
    default:
      return [{ action, resource: tableArn(region, table) }];
  }
}
