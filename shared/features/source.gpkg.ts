/** FeatureSource over a GeoPackage layer (gpkg.ts: private read-only view, keyset pages). */
import type { Feature } from '../geometry/types';
import { openGeoPackage } from './gpkg';
import type { FeatureLayer, GeoPackage, OpenOptions } from './gpkg';
import type { AttributeKind, FeatureBox, FeatureSource, SourceFeatureOptions } from './source';

/** Opens layer `layer` (the only one when omitted) of a GeoPackage file. */
export function openGpkgSource(path: string, layer?: string, opts: OpenOptions = {}): GpkgSource {
  const gpkg = openGeoPackage(path, opts);
  try {
    return new GpkgSource(gpkg, gpkg.layer(layer));
  } catch (err) {
    gpkg.close();
    throw err;
  }
}

/** A GeoPackage layer as a FeatureSource. */
export class GpkgSource implements FeatureSource {
  readonly format = 'GeoPackage' as const;
  constructor(private readonly gpkg: GeoPackage, readonly table: FeatureLayer) {}
  get path(): string {
    return this.gpkg.path;
  }
  get layer(): string {
    return this.table.name;
  }
  get crs(): FeatureLayer['crs'] {
    return this.table.crs;
  }
  get columns(): readonly string[] {
    return this.table.columns;
  }
  columnKind(name: string): AttributeKind {
    return this.table.columnKind(name);
  }
  count(): Promise<number | null> {
    return Promise.resolve(this.table.count());
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    let n = 0;
    for (const f of this.table.features({ idColumn: opts.idColumn, columns: opts.columns ?? [], blobs: opts.blobs })) {
      yield f;
      if (++n % 1000 === 0) await Promise.resolve(); // let timers (progress, abort) run
    }
  }
  async *boxes(opts: SourceFeatureOptions = {}): AsyncGenerator<FeatureBox> {
    let n = 0;
    for (const b of this.table.boxes({ idColumn: opts.idColumn })) {
      yield b;
      if (++n % 1000 === 0) await Promise.resolve(); // let timers (progress, abort) run
    }
  }
  featuresByFid(fids: readonly number[], opts: SourceFeatureOptions = {}): Feature[] {
    return this.table.featuresByFid(fids, { idColumn: opts.idColumn, columns: opts.columns ?? [] });
  }
  close(): void {
    this.gpkg.close();
  }
}
