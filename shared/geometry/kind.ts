/** The dimension family of a geometry, for choosing how to compute over it. */
import type { Geometry } from './types';

/** 'point' (Point/MultiPoint), 'line' (LineString/MultiLineString), 'polygon' (Polygon/MultiPolygon), 'mixed' (a collection of several families), 'empty' (a collection with nothing). */
export type GeometryKind = 'point' | 'line' | 'polygon' | 'mixed' | 'empty';

/** The family of a geometry; a collection takes its members' family when they share one. */
export function geometryKind(g: Geometry): GeometryKind {
  switch (g.type) {
    case 'Point': case 'MultiPoint': return 'point';
    case 'LineString': case 'MultiLineString': return 'line';
    case 'Polygon': case 'MultiPolygon': return 'polygon';
    case 'GeometryCollection': {
      let kind: GeometryKind = 'empty';
      for (const x of g.geometries) {
        const k = geometryKind(x);
        if (k === 'empty') continue;
        if (kind === 'empty') kind = k;
        else if (kind !== k) return 'mixed';
      }
      return kind;
    }
  }
}
