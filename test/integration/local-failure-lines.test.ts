/**
 * A failed `zonalflow local` job says why once, on its result line, naming the input as the user gave it: not
 * also on `failed Plan: ...` and `failed JobFailed: ...` lines (the same reason: JobFailed passes Plan's error on),
 * and never with the S3 stand-in's key (`s3://zonalflow-input/<file>`) in place of the file (newcomer's finding C,
 * 2026-12-03). summary.json names the user's file too (runner.ts nameLocalInput).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cases/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'zf-local-failure-lines-'));
const gpkg = join(import.meta.dirname, '../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../examples/elev.cog.tif');

describe('zonalflow local: a failed job\'s reason', () => {
  it('is printed once, on the result line, with its code as stats prints it, naming --input as given (an id column the layer lacks: exit 2)', async () => {
    const spec = join(dir, 'job.json');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'nmae' }, rasters: [{ name: 'elev', uri: raster }], stats: ['mean'] }));
    const out = join(dir, 'out');
    const r = await runCli(['local', '--input', gpkg, '--spec', spec, '--out', out]);
    expect(r.code).toBe(2);
    const reason = `${gpkg}: layer "lux_cantons" has no column "nmae" for the ids`;
    const lines = r.err.split('\n');
    expect(lines.filter((l) => l.includes('has no column "nmae"')), r.err).toEqual([expect.stringMatching(/^zonalflow local: job \S+ FAILED; 1 file in .*: /)]);
    // as stats prints an error (`error [INPUT_INVALID]: ...`): the code of the InputError that failed Plan
    expect(lines.find((l) => l.includes('FAILED'))).toMatch(new RegExp(`FAILED; 1 file in \\S+: error \\[INPUT_INVALID\\]: ${reason.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    // the same words stats prints for the same spec and input
    const st = await runCli(['stats', '--input', gpkg, '--spec', spec, '--out', join(dir, 'stats.parquet')]);
    expect(st.code).toBe(2);
    expect(st.err.trim().split('\n'), st.err).toEqual([expect.stringMatching(/^zonalflow: error \[INPUT_INVALID\]: /)]);
    expect(st.err).toContain(reason);
    expect(lines.find((l) => l.includes('FAILED'))?.endsWith(st.err.trim().slice('zonalflow: '.length))).toBe(true);
    expect(r.err).not.toContain('zonalflow-input');
    expect(r.err).toMatch(/^zonalflow local: -> Plan\nzonalflow local: -> MarkFailed\nzonalflow local: -> JobFailed\n/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { error: { code: string; message: string } };
    expect(summary.error.code).toBe('InputError');
    // the input as given: its name the upload carried (Plan kept it on its claim, MarkFailed wrote it), and the
    // stand-in's object named as the file it is
    expect(summary).toMatchObject({ inputName: gpkg, input: gpkg });
    expect(summary.error.message).toContain(reason);
  }, 60_000);
});
