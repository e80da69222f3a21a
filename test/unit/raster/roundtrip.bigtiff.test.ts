import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCog } from '../../helpers/cog-writer';
import { openRaster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { RecordingSource } from '../../../shared/io/source.recording';
import { RasterError } from '../../../shared/errors';

const dir = mkdtempSync(join(tmpdir(), 'zf-big-'));

describe('BigTIFF written and read back', () => {
  for (const bigEndian of [false, true]) {
    for (const strips of [false, true]) {
      for (const planar of [false, true]) {
        const name = `BigTIFF ${bigEndian ? 'BE' : 'LE'} ${strips ? 'strips' : 'tiles'} ${planar ? 'planar' : 'interleaved'}, mask + overviews + nodata`;
        it(name, async () => {
          const path = join(dir, `${name.replace(/[ ,+]+/g, '_')}.tif`);
          const value = (r: number, c: number, b: number): number => (r * 1000 + c * 3 + b * 7) % 65000 - 30000;
          writeCog(path, { width: 70, height: 50, bands: 2, dtype: 'int32', tileSize: 16, bigTiff: true, bigEndian, strips, planar, predictor: 2, nodata: -29993, overviews: 1, mask: (r, c) => r !== c, value });
          expect([...readFileSync(path).subarray(0, 4)]).toEqual(bigEndian ? [0x4d, 0x4d, 0, 43] : [0x49, 0x49, 43, 0]);
          const rec = new RecordingSource(new FileSource(path));
          const r = await openRaster(rec);
          expect(rec.requests).toBe(1);
          expect(r.info).toMatchObject({ dtype: 'int32', bandCount: 2, hasMask: true, overviews: 1, nodata: -29993, planar: planar ? 2 : 1, tiled: !strips });
          const out = await r.readWindow({ row0: 0, col0: 0, rows: 50, cols: 70 }, [2, 1]);
          out.forEach((bw, k) => {
            const band = k === 0 ? 2 : 1;
            for (let row = 0; row < 50; row++) {
              for (let col = 0; col < 70; col++) {
                const v = value(row, col, band);
                const i = row * 70 + col;
                const valid = row !== col && v !== -29993;
                expect(bw.valid[i]).toBe(valid ? 1 : 0);
                if (valid) expect(bw.values[i]).toBe(v);
              }
            }
          });
        });
      }
    }
  }
});

describe('georeferencing variants written by the test writer', () => {
  it('ModelTransformation north-up and PixelIsPoint', async () => {
    const a = join(dir, 'mt.tif');
    writeCog(a, { width: 4, height: 3, dtype: 'uint8', epsg: 32631, modelTransformation: [20, 0, 0, 400000, 0, -30, 0, 5000000, 0, 0, 0, 0, 0, 0, 0, 1], value: () => 1 });
    expect((await openRaster(new FileSource(a))).info.grid).toEqual({ width: 4, height: 3, originX: 400000, originY: 5000000, resX: 20, resY: 30 });
    const b = join(dir, 'point.tif');
    writeCog(b, { width: 4, height: 3, dtype: 'uint8', epsg: 32631, pixelIsPoint: true, transform: [400000, 5000000, 20, 30], value: () => 1 });
    expect((await openRaster(new FileSource(b))).info.grid).toMatchObject({ originX: 399990, originY: 5000015 });
  });
  it('a sheared ModelTransformation is refused', async () => {
    const p = join(dir, 'shear.tif');
    writeCog(p, { width: 4, height: 3, dtype: 'uint8', epsg: 32631, modelTransformation: [20, 0.5, 0, 400000, 0, -30, 0, 5000000, 0, 0, 0, 0, 0, 0, 0, 1], value: () => 1 });
    await expect(openRaster(new FileSource(p))).rejects.toThrow(RasterError);
  });
});
