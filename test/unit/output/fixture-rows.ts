/**
 * The rows the output-format tests write: the features of test/fixtures/outputs/features_2169.gpkg
 * read by zonalflow's reader, one statistic column `b_mean` = fid * 1.5 (arithmetic), a failed
 * row (GEOMETRY_EMPTY) for the feature without geometry. Expected values: expected.json
 * (GDAL and pyproj, written by make.py beside the fixture).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFeatureSource } from '../../../shared/features/open';
import { ensureProj } from '../../../shared/crs/transform';
import { crsProjJson } from '../../../shared/crs/projjson';
import type { Crs } from '../../../shared/crs/crs';
import type { ResultRow, StatColumn } from '../../../shared/output/table';
import type { Geometry } from '../../../shared/geometry/types';

export const FIXTURE = join(import.meta.dirname, '../../fixtures/outputs/features_2169.gpkg');

/** expected.json as make.py writes it. */
export interface Expected {
  crs_authority: string;
  crs_name: string;
  projjson: Record<string, unknown>;
  wkt1: string;
  extent: [number, number, number, number];
  geometry_types: string[];
  features: { fid: number; name: string; geometry: Geometry | null; wkt: string | null; type: string | null; bbox: [number, number, number, number] | null }[];
}

export const expected = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/outputs/expected.json'), 'utf8')) as Expected;

export const columns: StatColumn[] = [{ name: 'b_mean', kind: 'number' }];

/** The fixture's rows (ids from the `name` column), its CRS and that CRS as PROJJSON. */
export async function fixtureRows(): Promise<{ rows: ResultRow[]; crs: Crs; projjson: string | null }> {
  await ensureProj();
  const src = await openFeatureSource(FIXTURE);
  try {
    const rows: ResultRow[] = [];
    for await (const f of src.features({ idColumn: 'name', columns: [] })) {
      rows.push({ id: f.id, fid: f.fid, values: f.geometry ? [f.fid * 1.5] : [null], error: f.geometry ? null : `GEOMETRY_EMPTY: feature "${f.id}" (fid ${f.fid}): empty or missing geometry`, geometry: f.geometry });
    }
    return { rows, crs: src.crs, projjson: crsProjJson(src.crs) };
  } finally {
    src.close();
  }
}
