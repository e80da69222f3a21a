/**
 * What a zonal worker thread loads at start (its static import graph, read from the sources): each thread
 * pays for every module it evaluates, so the graph holds no package it never uses. zod alone cost a worker
 * ~50 ms of start-up (the engine took LIMIT_DEFAULTS from spec.ts; limits.ts holds them now).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');

/** Static (non-type, non-dynamic) imports of a source file: relative files resolved, packages as named. */
function imports(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\bfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[1] as string;
    if (!spec.startsWith('.')) {
      packages.push(spec);
      continue;
    }
    const base = resolve(dirname(file), spec);
    const hit = [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && p.endsWith('.ts'));
    if (hit) files.push(hit);
  }
  return { files, packages };
}

function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop() as string;
    if (files.has(f)) continue;
    files.add(f);
    const got = imports(f);
    got.packages.forEach((p) => packages.add(p));
    todo.push(...got.files);
  }
  return { files, packages };
}

describe('the zonal worker thread\'s start-up', () => {
  it('loads neither zod, nor the AWS SDK, nor PROJ, nor the feature readers', () => {
    const { files, packages } = graph(join(root, 'shared/engine/parallel-worker.ts'));
    expect(files.size).toBeGreaterThan(10); // the graph was read (the engine, the raster reader...)
    expect([...files].some((f) => f.endsWith('shared/raster/cog.ts'))).toBe(true);
    const heavy = [...packages].filter((p) => p === 'zod' || p.startsWith('@aws-sdk/') || p === 'proj4' || p === 'node-sqlite3-wasm' || p === 'gdal3.js' || p === 'hyparquet');
    expect(heavy).toStrictEqual([]);
    expect([...files].filter((f) => f.endsWith('shared/spec.ts'))).toStrictEqual([]);
  });
});
