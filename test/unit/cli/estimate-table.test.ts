/**
 * `zonalflow estimate`'s table prints the tile bytes in the unit that shows them, as the stats result line does
 * (cli/format.ts byteSize): the example reads some 22 kB of tiles, which "0.0 MB" hid.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli } from '../../cases/run-cli';

const root = join(import.meta.dirname, '../../..');
// the spec's raster path is relative to the repository root, the tests' working folder
const argv = ['estimate', '--input', join(root, 'examples/lux_cantons_2169.gpkg'), '--spec', join(root, 'examples/job.json')];

describe('estimate table', () => {
  it('prints the example\'s tile bytes in kB, the --json figure rounded to 0.1 kB', async () => {
    const json = await runCli([...argv, '--json']);
    expect(json.code).toBe(0);
    const e = (JSON.parse(json.out) as { estimate: { rasterBytes: number; requests: { rasterGets: number } } }).estimate;
    expect(e.rasterBytes).toBeGreaterThanOrEqual(1000);
    expect(e.rasterBytes).toBeLessThan(1e6);
    const table = await runCli(argv);
    expect(table.code).toBe(0);
    const line = table.out.split('\n').find((l) => l.includes('raster range requests'));
    expect(line).toMatch(new RegExp(`raster range requests +${e.requests.rasterGets} \\(${(e.rasterBytes / 1000).toFixed(1).replace('.', '\\.')} kB of tiles\\)$`));
  }, 60_000);
});

describe('estimate table: Step Functions', () => {
  it('prints the Step Functions transitions of the default STANDARD children, and EXPRESS when asked', async () => {
    const standard = await runCli(argv);
    expect(standard.out).toMatch(/Step Functions +\d[\d,]* state transitions \(STANDARD children\)/);
    const express = await runCli([...argv, '--map-execution-type', 'express']);
    expect(express.out).toMatch(/Step Functions +\d[\d,]* state transitions, \d[\d,]* EXPRESS child executions \(EXPRESS children\)/);
    const bad = await runCli([...argv, '--map-execution-type', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--map-execution-type fast: STANDARD or EXPRESS/);
  }, 60_000);
});
