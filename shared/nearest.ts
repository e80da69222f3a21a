/**
 * Did-you-mean: the names a mistyped one most likely meant, for statistics, columns and layers alike
 * (one rule, so every "unknown name" line suggests the same way).
 */
import damerauLevenshtein from 'damerau-levenshtein';

/**
 * The candidates nearest `name` by Damerau-Levenshtein distance (damerau-levenshtein: a swap of two neighbouring
 * letters is one edit, as commander counts it for mistyped options: `nmae` -> Name, `medain` -> median), letter
 * case counting no edit (`id_2` -> ID_2, `MEAN` -> mean), when at most 2 edits away and fewer than half the
 * name's length; all of them when several are as near; empty when none is that near (`std`, `foo`), and for a
 * name or candidate over {@link MAX_COMPARED} characters (the distance takes a square matrix of their lengths).
 * Candidates keep their own spelling and order, each once.
 */
export function nearestNames(name: string, candidates: readonly string[]): string[] {
  if (name.length > MAX_COMPARED) return [];
  const lower = name.toLowerCase();
  const scored = [...new Set(candidates)].filter((c) => c.length <= MAX_COMPARED).map((c) => ({ c, d: damerauLevenshtein(lower, c.toLowerCase()).steps }));
  const best = Math.min(...scored.map((x) => x.d));
  if (!(best <= 2 && best < name.length / 2)) return [];
  return scored.filter((x) => x.d === best).map((x) => x.c);
}

/**
 * `; did you mean "ID_2"?` (or `"a" or "b"`) for a name the user gave that is not among `candidates`, to end
 * its one-line message; '' when no candidate is near (nearestNames); at most SUGGESTED_NAMES of them, then their count.
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearestNames(name, candidates);
  if (near.length === 0) return '';
  // a wide table may hold many as near (band_12x: band_12, band_120 ... band_129): the first few, then their count
  const shown = near.slice(0, SUGGESTED_NAMES).map((n) => JSON.stringify(n)).join(' or ');
  return `; did you mean ${shown}${near.length > SUGGESTED_NAMES ? ` (or ${near.length - SUGGESTED_NAMES} more as near)` : ''}?`;
}

/** The longest name (and candidate) nearestNames compares: a typo of a longer one gets no suggestion. */
export const MAX_COMPARED = 100;

/** How many equally near names didYouMean suggests at most. */
export const SUGGESTED_NAMES = 5;

/** How many names an "unknown name" line lists before `... and N more` (listNames). */
export const LISTED_NAMES = 20;

/**
 * The names a line offers in place of an unknown one, comma-separated: the first `max` as given, then
 * `... and N more` (a table of thousands of columns stays one readable line; didYouMean names the near one);
 * `none` when there are none.
 */
export function listNames(names: readonly string[], max = LISTED_NAMES): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, ... and ${names.length - max} more` : shown;
}
