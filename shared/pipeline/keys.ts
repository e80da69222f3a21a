/**
 * Object keys and ids of a job, shared by every stage (kept apart from Plan so
 * that the Worker and Collect bundles do not pull in the GeoPackage reader).
 */
import { createHash } from 'node:crypto';

/** Work-prefix keys of a job. */
export function workKeys(workPrefix: string, jobId: string): { root: string; spec: string; scenes: string; manifest: string; batch: (id: string) => string; parts: string; part: (batchId: string, cursor: number) => string; map: string } {
  const root = `${workPrefix}${jobId}/`;
  return {
    root,
    spec: `${root}spec.json`,
    scenes: `${root}scenes.json`,
    manifest: `${root}manifest.json`,
    batch: (id) => `${root}batches/${id}.json`,
    parts: `${root}parts/`,
    part: (batchId, cursor) => `${root}parts/${batchId}.${String(cursor).padStart(6, '0')}.json`,
    map: `${root}map/`,
  };
}

/** A job id derived from the upload: same object and ETag, same job. */
export function jobIdFor(bucket: string, key: string, etag: string | undefined): string {
  const stem = (key.split('/').pop() ?? 'job').replace(/\.(shp\.zip|geojsonseq|geojsonl|geojsons|geojson|parquet|gpkg|fgb|zip)$/i, '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'job';
  const hash = createHash('sha256').update(`${bucket}/${key}#${etag ?? ''}`).digest('hex').slice(0, 12);
  return `${stem}-${hash}`;
}


/** The JSON Lines object of one part of a batch's per-feature documents (one document per line). */
export function featuresPartKey(jobId: string, batchId: string, cursor: number): string {
  return `${jobId}/features/${batchId}.${String(cursor).padStart(6, '0')}.jsonl`;
}
