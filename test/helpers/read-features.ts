/** Every feature of an input file, read as a command reads it (openFeatureSource), the source closed after. */
import { openFeatureSource } from '../../shared/features/open';
import type { Feature } from '../../shared/geometry/types';

export async function readFeatures(path: string, opts: { idColumn?: string; columns?: string[] } = {}): Promise<Feature[]> {
  const src = await openFeatureSource(path);
  const out: Feature[] = [];
  try {
    for await (const f of src.features(opts)) out.push(f);
  } finally {
    src.close();
  }
  return out;
}
