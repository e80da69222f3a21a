/**
 * The job's input as the user named it (`./data/fields.gpkg`, `s3://bucket/fields.gpkg`), carried beside the
 * object the job reads, so that `zonalflow status` and `list` tell jobs apart by what the user typed rather than
 * by the key `zonalflow run` uploaded the file to (`uploads/<digest>/fields.gpkg`).
 *
 * How it travels:
 * - `run` with a local file: on the upload, as the user-defined metadata `x-amz-meta-zonalflow-input-name`, which
 *   Plan reads with the HeadObject it makes anyway (an EventBridge "Object Created" event carries no metadata);
 * - `run` with an s3:// input: in the execution input (`inputName`, PlanInputSchema);
 * - a file dropped straight into the input bucket: neither, and its key is its name.
 * Plan records it on the job (and on the upload's claim, for the Fail handler when Plan fails before the job record).
 *
 * S3 user-defined metadata is sent as HTTP headers: "Within the PUT request header, the user-defined metadata is
 * limited to 2 KB in size. The size of user-defined metadata is measured by taking the sum of the number of bytes in
 * the UTF-8 encoding of each key and value", and values must be US-ASCII over REST; S3 returns a value holding other
 * characters RFC 2047-encoded (`=?UTF-8?B?...?=`) and drops unprintable ones (`x-amz-missing-meta`)
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata). So the name is stored
 * percent-encoded: printable ASCII stays as typed, except `%` (the escape), `=` and `?` (which could spell an
 * RFC 2047 encoded-word); a space, a control character and every byte of a non-ASCII character's UTF-8 become
 * `%XX`. The encoded value is at most {@link MAX_INPUT_NAME_BYTES} bytes (half the 2 KB, the rest for the key and
 * any other metadata); a longer name keeps its end (the file name) after `...`.
 *
 * The name is a label, never a path: nothing opens, resolves or joins it; it is shown, and its control characters
 * (and bidirectional overrides) are shown percent-encoded so a name cannot move the cursor, split a `list` line or
 * read in another order than it is.
 */

/** The metadata key (the header `x-amz-meta-zonalflow-input-name`; the SDK's `Metadata` map takes it without the prefix). */
export const INPUT_NAME_METADATA_KEY = 'zonalflow-input-name';

/** The most bytes of the encoded name stored in the metadata (S3 allows 2 KB for every key and value together). */
export const MAX_INPUT_NAME_BYTES = 1024;

/** The most characters of a name as recorded and shown (the encoded form of a longer name would not fit either). */
export const MAX_INPUT_NAME_CHARS = 1024;

/** What marks a name cut to its end. */
const CUT = '...';

/** Characters kept as typed: printable ASCII but space, `%`, `=` and `?`. */
const KEPT = /^[!-~]$/;
const ESCAPED = new Set(['%', '=', '?']);

/**
 * What a name shows percent-encoded: control characters (Unicode's Cc: C0, DEL, C1), line and paragraph separators,
 * and the bidirectional marks and overrides that would show a name in another order than it is.
 */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

function escapeChar(c: string): string {
  if (KEPT.test(c) && !ESCAPED.has(c)) return c;
  return [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** `name` percent-encoded as stored (US-ASCII, no space), whole: see {@link encodeInputName} for the bounded form. */
function escapeName(name: string): string {
  let out = '';
  for (const c of name) out += escapeChar(c);
  return out;
}

/**
 * `name` as the metadata value: percent-encoded (US-ASCII only), at most {@link MAX_INPUT_NAME_BYTES} bytes; a longer
 * name is cut at its start to `...` and its last characters (never inside a character or an escape).
 */
export function encodeInputName(name: string): string {
  const whole = escapeName(name);
  if (whole.length <= MAX_INPUT_NAME_BYTES) return whole;
  const parts = [...name].map(escapeChar);
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const next = (parts[i] as string) + out;
    if (CUT.length + next.length > MAX_INPUT_NAME_BYTES) break;
    out = next;
  }
  return CUT + out;
}

/** The metadata `zonalflow run` puts on an uploaded input (the SDK's `Metadata` map). */
export function inputNameMetadata(name: string): Record<string, string> {
  return { [INPUT_NAME_METADATA_KEY]: encodeInputName(name) };
}

/**
 * The name a metadata value holds (null: none): percent-decoded; a value that is not valid percent-encoding (set by
 * another client) is taken as it is. Shown as {@link printableInputName} makes it.
 */
export function decodeInputName(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  let name: string;
  try {
    name = decodeURIComponent(value);
  } catch {
    name = value;
  }
  return printableInputName(name);
}

/**
 * A name as recorded and shown: control characters percent-encoded (a newline, a tab, an escape sequence cannot
 * reach a terminal or split a line), at most {@link MAX_INPUT_NAME_CHARS} characters (a longer one keeps its end
 * after `...`); null for an empty name.
 */
export function printableInputName(name: string): string | null {
  const shown = name.replace(CONTROL, (c) => escapeChar(c));
  if (shown === '') return null;
  const chars = [...shown];
  return chars.length <= MAX_INPUT_NAME_CHARS ? shown : CUT + chars.slice(chars.length - (MAX_INPUT_NAME_CHARS - CUT.length)).join('');
}

/**
 * A job's input as `status`, `list --json` and summary.json give it: `inputName`, the input as the user named it
 * (the record's name; a record made before names were kept: its key), printable; `input`, the object it reads.
 */
export function namedInput(input: { bucket: string; key: string; name?: string | undefined }): { inputName: string; input: string } {
  return { inputName: printableInputName(input.name ?? input.key) ?? input.key, input: `s3://${input.bucket}/${input.key}` };
}
