/**
 * Every relative link in the project's Markdown files resolves: the file (or folder) it names exists, and a
 * `#anchor` names a heading of that file as GitHub renders it (github-slugger's rule: lower case, punctuation
 * dropped, spaces to hyphens, repeated headings suffixed -1, -2...). Links inside code (fenced blocks and
 * `inline code`) and to other schemes (https:, mailto:) are not checked: this runs offline.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SKIP = new Set(['node_modules', 'dist', 'cdk.out', '.cache', '.git', 'out']);

function markdownFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found;
}

/** The text outside fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text.replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
}

/** GitHub's anchor for a heading's text (github-slugger). */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug((m[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The broken links of one file, as `file: target (why)`. */
function brokenLinks(file: string, text = readFileSync(file, 'utf8')): string[] {
  const broken: string[] = [];
  for (const m of prose(text).matchAll(/\]\(([^()\s]+(?:\([^()\s]*\))?[^()\s]*)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const dest = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    const name = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(dest)) broken.push(`${name} (no such file)`);
    else if (anchor !== undefined && statSync(dest).isFile() && dest.endsWith('.md') && !anchors(dest).has(decodeURIComponent(anchor))) broken.push(`${name} (no such heading)`);
  }
  return broken;
}

describe('Markdown links', () => {
  it('slugs headings as GitHub does', () => {
    expect(slug('`zonalflow stats`: statistics in this process')).toBe('zonalflow-stats-statistics-in-this-process');
    expect(slug('The same pipeline on one machine: `zonalflow local`')).toBe('the-same-pipeline-on-one-machine-zonalflow-local');
    expect(slug('Inputs (feature formats)')).toBe('inputs-feature-formats');
    expect(slug('`zonalflow estimate` / `zonalflow run --dry-run`: the cost before the job')).toBe('zonalflow-estimate--zonalflow-run---dry-run-the-cost-before-the-job');
  });
  it('finds a broken link and a broken anchor, and skips code and other schemes (the check can fail)', () => {
    const readme = join(ROOT, 'README.md');
    const text = '[a](#exit-codes) [b](#no-such-heading) [c](bench/HISTORY.md) [d](nope.md) [e](https://example.com/x#y)\n`[f](gone.md)`\n```\n[g](gone.md)\n```\n';
    expect(brokenLinks(readme, text)).toEqual(['README.md: #no-such-heading (no such heading)', 'README.md: nope.md (no such file)']);
  });
  const files = markdownFiles(ROOT);
  it('finds the project Markdown files', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['README.md', join('bench', 'HISTORY.md')]));
  });
  it('every relative link and anchor resolves', () => {
    expect(files.flatMap((f) => brokenLinks(f))).toEqual([]);
  });
});
