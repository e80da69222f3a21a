/**
 * The input's name as S3 user-defined metadata (input-name.ts): US-ASCII, at most 1,024 bytes, decoded back to the
 * name as typed. Expected encodings are written out byte by byte (UTF-8 of é is C3 A9, of ✓ E2 9C 93).
 */
import { describe, expect, it } from 'vitest';
import { INPUT_NAME_METADATA_KEY, MAX_INPUT_NAME_BYTES, decodeInputName, encodeInputName, inputNameMetadata, printableInputName } from '../../../shared/pipeline/input-name';

const ASCII_HEADER = /^[!-~]*$/; // printable US-ASCII, no space: a header value S3 stores and returns as sent

describe('input name metadata', () => {
  it('a plain relative path is stored as typed and read back as typed', () => {
    expect(encodeInputName('./data/fields.gpkg')).toBe('./data/fields.gpkg');
    expect(decodeInputName('./data/fields.gpkg')).toBe('./data/fields.gpkg');
    expect(inputNameMetadata('fields.gpkg')).toEqual({ 'zonalflow-input-name': 'fields.gpkg' });
    expect(INPUT_NAME_METADATA_KEY).toBe('zonalflow-input-name');
  });

  it('non-ASCII characters and spaces are percent-encoded (UTF-8 bytes) and decoded back exactly', () => {
    const name = './données/champs é ✓.gpkg';
    const stored = encodeInputName(name);
    expect(stored).toBe('./donn%C3%A9es/champs%20%C3%A9%20%E2%9C%93.gpkg');
    expect(stored).toMatch(ASCII_HEADER);
    expect(decodeInputName(stored)).toBe(name);
  });

  it('%, = and ? are escaped too: a literal %20 survives, and no RFC 2047 encoded-word (=?UTF-8?B?...?=) can be spelled', () => {
    const name = 'a%20b=?UTF-8?B?x?=.gpkg';
    const stored = encodeInputName(name);
    expect(stored).toBe('a%2520b%3D%3FUTF-8%3FB%3Fx%3F%3D.gpkg');
    expect(stored).not.toContain('=?');
    expect(decodeInputName(stored)).toBe(name);
  });

  it('a long name keeps its end after "...", within 1,024 bytes, never cut inside a character or an escape', () => {
    // 600 characters of é (3,600 bytes encoded), then the file name
    const name = `/home/u/${'é'.repeat(600)}/fields.gpkg`;
    const stored = encodeInputName(name);
    expect(MAX_INPUT_NAME_BYTES).toBe(1024);
    expect(stored.length).toBeLessThanOrEqual(1024);
    expect(stored.length).toBeGreaterThan(1024 - 6); // as much as fits: one more é (6 bytes) would not
    expect(stored).toMatch(ASCII_HEADER);
    expect(stored.startsWith('...%C3%A9')).toBe(true);
    const shown = decodeInputName(stored) as string;
    expect(shown.startsWith('...')).toBe(true);
    expect(shown.endsWith('é/fields.gpkg')).toBe(true);
    expect(name.endsWith(shown.slice(3))).toBe(true);
    // (1024 - 3 - '/fields.gpkg'.length) / 6 characters of é kept: 168
    expect(shown.length).toBe(3 + 168 + '/fields.gpkg'.length);
    // key and value together within S3's 2 KB of user-defined metadata
    const meta = inputNameMetadata(name);
    expect(Object.entries(meta).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0)).toBeLessThanOrEqual(2048);
  });

  it('control characters and bidirectional overrides are shown percent-encoded: a name cannot split a line or reorder itself', () => {
    expect(decodeInputName(encodeInputName('a\nb\tc.gpkg'))).toBe('a%0Ab%09c.gpkg');
    expect(decodeInputName(encodeInputName('x\u202Egpkg.exe'))).toBe('x%E2%80%AEgpkg.exe');
    expect(printableInputName('ok\u0085.gpkg')).toBe('ok%C2%85.gpkg');
  });

  it('no value is no name; a value that is not percent-encoding (another client\'s) is taken as it is', () => {
    expect(decodeInputName(undefined)).toBeNull();
    expect(decodeInputName('')).toBeNull();
    expect(decodeInputName('100%.gpkg')).toBe('100%.gpkg');
    expect(printableInputName('')).toBeNull();
  });

  it('a recorded name is at most 1,024 characters, its end kept', () => {
    const uri = `s3://bucket/${'k'.repeat(1100)}.gpkg`;
    const shown = printableInputName(uri) as string;
    expect(shown).toHaveLength(1024);
    expect(shown.startsWith('...k')).toBe(true);
    expect(shown.endsWith('k.gpkg')).toBe(true);
  });
});
