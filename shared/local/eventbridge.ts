/**
 * Enough of EventBridge to run the stack's upload rule locally: event
 * patterns (exact values, prefix, suffix, nested fields) and input
 * transformers (InputPathsMap + InputTemplate), as the rule in the
 * synthesized template defines them.
 */

type Pattern = Record<string, unknown>;

function get(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

function matchValue(rule: unknown, value: unknown): boolean {
  if (rule !== null && typeof rule === 'object' && !Array.isArray(rule)) {
    const r = rule as Record<string, unknown>;
    if (typeof r.prefix === 'string') return typeof value === 'string' && value.startsWith(r.prefix);
    if (typeof r.suffix === 'string') return typeof value === 'string' && value.endsWith(r.suffix);
    if (r.exists !== undefined) return (value !== undefined) === r.exists;
    if (Array.isArray(r['anything-but'])) return !(r['anything-but'] as unknown[]).includes(value);
    return false;
  }
  return rule === value;
}

/** True when the event matches the pattern. */
export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = get(event, key);
    if (Array.isArray(rule)) return rule.some((r) => matchValue(r, value));
    if (rule !== null && typeof rule === 'object') return matchesPattern(rule as Pattern, value);
    return false;
  });
}

/** Applies an input transformer to an event: the target's input (JSON text). */
export function transformInput(transformer: { InputPathsMap?: Record<string, string>; InputTemplate: string }, event: unknown): string {
  const values: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    values[name] = path.replace(/^\$\.?/, '').split('.').filter(Boolean).reduce<unknown>((o, k) => get(o, k), event);
  }
  return transformer.InputTemplate.replace(/"<([A-Za-z0-9_.-]+)>"|<([A-Za-z0-9_.-]+)>/g, (_m, quoted: string | undefined, bare: string | undefined) => {
    const v = values[quoted ?? bare ?? ''];
    if (quoted !== undefined) return JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v));
    return JSON.stringify(v ?? null);
  });
}

/** An S3 "Object Created" event as EventBridge delivers it. */
export function objectCreatedEvent(bucket: string, key: string, etag: string, size: number): Record<string, unknown> {
  return {
    version: '0',
    id: `local-${Date.now()}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object: { key, size, etag, sequencer: '0' }, reason: 'PutObject' },
  };
}
