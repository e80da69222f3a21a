/**
 * `zonalflow report` opened in headless Chromium (Debian's `chromium`): the page needs no network
 * (a Content-Security-Policy forbids it), every chart is drawn (`data-rendered`), the DOM lists the
 * summary and the failed feature, and the screenshot shows the map coloured by the statistic with
 * the failed feature in red. Skipped, saying so, where no Chromium is installed (.ci/run installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { writeCog } from '../helpers/cog-writer';
import type { Position } from '../../shared/geometry/types';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'zf-report-'));
const chromeFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${join(dir, 'chrome')}`, '--virtual-time-budget=5000'];

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  return { code: await main(args, { stderr, stdout: new PassThrough() }), err };
}

describe.skipIf(!CHROMIUM)(`zonalflow report in headless Chromium${CHROMIUM ? '' : ' (skipped: no chromium installed)'}`, () => {
  it('draws the map, histogram and summary of a stats run with one failed feature', async () => {
    // a 100 x 100 raster whose value is the column index: features further east have larger means
    const raster = join(dir, 'r.tif');
    writeCog(raster, { width: 100, height: 100, dtype: 'float32', tileSize: 64, epsg: 4326, transform: [0, 10, 0.1, 0.1], value: (_r, c) => c });
    const sq = (x: number, y: number): Position[] => [[x, y], [x + 0.8, y], [x + 0.8, y + 0.8], [x, y + 0.8], [x, y]];
    const features = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) features.push({ geometry: { type: 'Polygon' as const, coordinates: [sq(i + 0.1, j + 0.1)] } });
    features.push({ geometry: { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]] as Position[]] } }); // a bowtie: fails
    const input = join(dir, 'f.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features }]);
    const results = join(dir, 'results.parquet');
    expect((await cli(['stats', '--input', input, '--raster', raster, '--out', results, '--quiet'])).code).toBe(3);
    const html = join(dir, 'report.html');
    const r = await cli(['report', results, '--input', input, '--out', html]);
    expect(r.err).toMatch(/report of 101 features \(1 failed\) coloured by r_mean/);
    const page = readFileSync(html, 'utf8');
    // self-contained: no external script, stylesheet or image, and a policy that forbids any fetch
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src="http/i);
    expect(page).toContain(`content="default-src 'none';`);

    const dom = execFileSync(CHROMIUM!, [...chromeFlags, '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(dom).toMatch(/data-rendered="ok"/);
    expect(dom).toMatch(/data-features="101"/);
    expect(dom).toMatch(/<span id="failed-count">1<\/span>/);
    expect(dom).toMatch(/intersects itself/);
    expect(dom).toMatch(/<th>computed<\/th><td>100<\/td>/);

    const shot = join(dir, 'shot.png');
    spawnSync(CHROMIUM!, [...chromeFlags, `--screenshot=${shot}`, '--window-size=1280,900', `file://${html}`], { timeout: 60_000, stdio: 'ignore' });
    const png = PNG.sync.read(readFileSync(shot));
    // the map panel: the left 60 % of the width, below the heading
    const colours = new Set<number>();
    let red = 0;
    for (let y = 90; y < 520; y++) {
      for (let x = 30; x < png.width * 0.58; x++) {
        const i = (y * png.width + x) * 4;
        const [rr, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
        colours.add((rr << 16) | (g << 8) | b);
        if (rr > 200 && g < 40 && b < 40) red++;
      }
    }
    expect(colours.size).toBeGreaterThan(40); // a colour ramp over 100 features, not a blank panel
    expect(red).toBeGreaterThan(20); // the failed feature
  }, 120_000);
});
