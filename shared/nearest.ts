/**
 * Did-you-mean: the names a mistyped one most likely meant, for statistics, columns and layers alike
 * (one rule, so every "unknown name" line suggests the same way).
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidates nearest `name` by Levenshtein distance (fastest-levenshtein), letter case counting no edit
 * (`id_2` -> ID_2, `MEAN` -> mean), when at most 2 edits away and fewer than half the name's length; all of them
 * when several are as near (`medain` -> mean, median: a swap is two edits); empty when none is that near
 * (`std`, `foo`). Candidates keep their own spelling and order, each once.
 */
export function nearestNames(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const scored = [...new Set(candidates)].map((c) => ({ c, d: distance(lower, c.toLowerCase()) }));
  const best = Math.min(...scored.map((x) => x.d));
  if (!(best <= 2 && best < name.length / 2)) return [];
  return scored.filter((x) => x.d === best).map((x) => x.c);
}

/**
 * `; did you mean "ID_2"?` (or `"a" or "b"`) for a name the user gave that is not among `candidates`, to end
 * its one-line message; '' when no candidate is near (nearestNames).
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearestNames(name, candidates);
  return near.length === 0 ? '' : `; did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?`;
}
