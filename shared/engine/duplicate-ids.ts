/**
 * Counting and naming duplicated feature ids without holding the ids: each id is kept as a
 * 64-bit hash (8 bytes per feature, in a typed array), sorted once at the end.
 * `duplicates` = features whose id an earlier feature already had. Two different
 * ids share a hash with probability about n²/2^65 (3e-8 for a million features),
 * which would count one false duplicate in a warning; no output depends on it.
 *
 * To name the repeated ids, the text of an id is kept when its hash may have been seen before: a
 * Bloom filter of the hashes (32 bits a feature, 6 probes: about 2.5e-5 of unique ids pass it, 250 of
 * 10 million) says so as the ids come, and at most {@link MAX_CANDIDATES} such texts are kept, in the
 * order of their first repeat. A repeated id always passes the filter at its second occurrence, so
 * the first repeated ids are named exactly (in the order their first repeat came).
 *
 * NULL ids are not ids (the stated rule, stats and the pipeline alike): the caller never adds them;
 * they are reported apart, as features without an id, by their fids (attributes.ts nullIdWarning).
 */

/** Texts of possibly repeated ids kept at most (a few KB; only the first few are named). */
export const MAX_CANDIDATES = 4096;

/** Candidates up to which {@link DuplicateIds.report} counts their hashes by scanning instead of sorting every hash (a pass of n pairs each: a sort of 100,000 hashes took ~10 ms). */
const SCAN_CANDIDATES = 16;

/** Repeated ids named in a warning at most. */
export const NAMED_IDS = 5;

/** What {@link DuplicateIds.report} finds: counts and the first repeated ids with their features' counts. */
export interface DuplicateIdsReport {
  /** Features whose id an earlier feature already had (ids added minus distinct ids). */
  duplicates: number;
  /** Distinct ids held by more than one feature. */
  repeatedIds: number;
  /** The first repeated ids (in the order their first repeat came) and how many features hold each. */
  named: { id: string; features: number }[];
}

/** Hashes ids as they come; `report()` counts repeats and names the first repeated ids. */
export class DuplicateIds {
  /**
   * Each id's hash as its two 32-bit lanes (hash64's high lane, then its low lane), two words a feature: no
   * BigInt is made per id (hash64's BigInts and the filter's shifts of them were most of a 100k-feature job's
   * tally, run alone after the last chunk). {@link hashes} views the same bytes as one 64-bit value a feature,
   * for the sort: a value is the same two lanes in the platform's byte order, so equal ids give equal values
   * and different hashes different values, as with hash64's.
   */
  private lanes: Uint32Array;
  private hashes: BigUint64Array;
  private n = 0;
  private filter: Uint32Array;
  private readonly candidates = new Map<bigint, string>();
  /** The lanes of each candidate's hash, two words each, in the order the candidates came. */
  private readonly candidateLanes: number[] = [];

  /** `expected`: ids the caller expects (sizes the array once: no copy of 8 bytes a feature while growing). */
  constructor(expected = 1024) {
    this.hashes = new BigUint64Array(Math.max(16, Math.floor(expected)));
    this.lanes = new Uint32Array(this.hashes.buffer);
    this.filter = new Uint32Array(this.hashes.length);
  }

  /** Adds a feature's id (never a NULL id: not an id). */
  add(id: string): void {
    if (this.n === this.hashes.length) {
      const grown = new BigUint64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
      this.lanes = new Uint32Array(grown.buffer);
      // the filter keeps its 32 bits a feature: rebuilt from the hashes at its new size
      this.filter = new Uint32Array(grown.length);
      for (let i = 0; i < this.n; i++) this.mark(this.lanes[2 * i] as number, this.lanes[2 * i + 1] as number);
    }
    hashLanes(id);
    const i = this.n++;
    this.lanes[2 * i] = laneHigh;
    this.lanes[2 * i + 1] = laneLow;
    if (this.mark(laneHigh, laneLow) && this.candidates.size < MAX_CANDIDATES) {
      // a possible repeat (rare): its key, the 64-bit value the sort compares
      const h = this.hashes[i] as bigint;
      if (!this.candidates.has(h)) {
        this.candidates.set(h, id);
        this.candidateLanes.push(laneHigh, laneLow);
      }
    }
  }

  /** Ids added minus distinct ids. */
  duplicates(): number {
    return this.report(0).duplicates;
  }

  /** The counts and the first `named` repeated ids (default {@link NAMED_IDS}). */
  report(named = NAMED_IDS): DuplicateIdsReport {
    if (this.candidates.size <= SCAN_CANDIDATES) return this.scanned(named);
    const sorted = this.hashes.subarray(0, this.n).sort();
    let duplicates = 0;
    const repeated = new Map<bigint, number>();
    for (let i = 1; i < sorted.length; i++) {
      const h = sorted[i] as bigint;
      if (h !== sorted[i - 1]) continue;
      duplicates++;
      repeated.set(h, (repeated.get(h) ?? 1) + 1);
    }
    const names: DuplicateIdsReport['named'] = [];
    for (const [h, id] of this.candidates) {
      if (names.length >= named) break;
      const features = repeated.get(h);
      if (features !== undefined) names.push({ id, features });
    }
    return { duplicates, repeatedIds: repeated.size, named: names };
  }

  /**
   * {@link report} by counting each candidate's hash in one pass over the hashes, without sorting them: exact while
   * no candidate was left out (fewer than {@link MAX_CANDIDATES}), since a repeated id passes the filter at its
   * second occurrence, so every repeated hash is a candidate's. Unique ids give none or a few false candidates.
   */
  private scanned(named: number): DuplicateIdsReport {
    const lanes = this.lanes;
    const n = this.n;
    let duplicates = 0;
    let repeatedIds = 0;
    const names: DuplicateIdsReport['named'] = [];
    let c = 0;
    for (const id of this.candidates.values()) {
      const high = this.candidateLanes[2 * c] as number;
      const low = this.candidateLanes[2 * c + 1] as number;
      c++;
      let features = 0;
      for (let i = 0; i < n; i++) if (lanes[2 * i] === high && lanes[2 * i + 1] === low) features++;
      if (features < 2) continue;
      duplicates += features - 1;
      repeatedIds++;
      if (names.length < named) names.push({ id, features });
    }
    return { duplicates, repeatedIds, named: names };
  }

  /** Sets the filter's bits of the hash of lanes `high`, `low`; whether they were all set before (the id may have been added before). */
  private mark(high: number, low: number): boolean {
    const bits = this.filter.length * 32;
    const a = high;
    const b = low | 1;
    let seen = true;
    for (let k = 0; k < 6; k++) {
      const bit = (a + Math.imul(k, b)) >>> 0;
      const at = bit % bits;
      const word = at >>> 5;
      const mask = 1 << (at & 31);
      if (((this.filter[word] as number) & mask) === 0) {
        seen = false;
        this.filter[word] = (this.filter[word] as number) | mask;
      }
    }
    return seen;
  }
}

/**
 * The warning for repeated ids, or null: how many features repeat an earlier feature's id, how many ids
 * repeat, and the first few of them with their features' counts, e.g. `3 features have the id of an earlier
 * feature: 2 ids repeat, "X" (3 features), "Y" (2 features); rows are in input order, and the fid column tells them apart where the fids are unique`.
 */
export function duplicateIdWarning(r: DuplicateIdsReport, idColumn?: string): string | null {
  if (r.duplicates === 0) return null;
  const listed = r.named.map((n) => `${JSON.stringify(n.id)} (${n.features} features)`);
  const more = r.repeatedIds - r.named.length;
  const ids = `${r.repeatedIds === 1 ? '1 id repeats' : `${r.repeatedIds} ids repeat`}${idColumn ? ` (column "${idColumn}")` : ''}`;
  return `${r.duplicates === 1 ? '1 feature has' : `${r.duplicates} features have`} the id of an earlier feature: ${ids}${listed.length > 0 ? `, ${listed.join(', ')}` : ''}${more > 0 ? `, ... and ${more} more` : ''}; rows are in input order, and the fid column tells them apart where the fids are unique`;
}

/** The warning for `nullFids` features whose fid is NULL (`zonalflow stats`, `zonalflow estimate`), or null. */
export function nullFidWarning(nullFids: number): string | null {
  if (nullFids === 0) return null;
  return `${nullFids === 1 ? '1 feature has' : `${nullFids} features have`} a NULL fid (written empty; their rows are kept, in input order)`;
}

/**
 * Whether a feature has no id, by the rule every count of ids follows: its id column is NULL (`idNull`), or,
 * without an id column, its fid (the id then) is NULL. A missing id is no id: never a duplicate of another
 * missing id nor of any id; the features are reported apart (NULL ids by their fids, NULL fids by count).
 */
export function missingId(f: { id: string; idNull?: boolean | undefined; fidText?: string | null | undefined }): boolean {
  return f.idNull === true || (f.fidText === null && f.id === '');
}

/** Two 32-bit multiplicative hashes of the UTF-16 code units (cyrb53's mixing, both lanes kept). */
export function hash64(s: string): bigint {
  hashLanes(s);
  return (BigInt(laneHigh) << 32n) | BigInt(laneLow);
}

/** The lanes of the last {@link hashLanes}: hash64's high and low 32 bits, unsigned. */
let laneHigh = 0;
let laneLow = 0;

/** hash64 of `s` into {@link laneHigh} and {@link laneLow} (no BigInt). */
function hashLanes(s: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  laneHigh = h1 >>> 0;
  laneLow = h2 >>> 0;
}
