/**
 * STAC asset hrefs pass the job's allow-list before anything is read (stac.ts checkAssetHrefs, called by
 * searchStac in `zonalflow stats` and in Plan): on AWS that list is the handler's environment (configFromEnv:
 * the stack's rasterHttpsHosts / rasterBuckets), nothing more, so an Earth Search item's sentinel-cogs asset is
 * refused until the stack allows that host, in one line naming the item, the host and how to allow it.
 */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../../shared/pipeline/config';
import { checkAssetHrefs, searchStac } from '../../../shared/timeseries/stac';
import type { Scene } from '../../../shared/timeseries/stac';
import type { StacSpec } from '../../../shared/spec';
import { UriNotAllowedError } from '../../../shared/errors';

const S2 = 'sentinel-cogs.s3.us-west-2.amazonaws.com';
const scene = (hrefs: Record<string, string>): Scene => ({ id: 'S2B_33UUP_20240503_0_L2A', datetime: Date.parse('2024-05-03T10:00:00Z'), bbox: null, hrefs });
const earthSearch = scene({ red: `https://${S2}/sentinel-s2-l2a-cogs/33/U/UP/2024/5/S2B_33UUP_20240503_0_L2A/B04.tif`, nir: `https://${S2}/sentinel-s2-l2a-cogs/33/U/UP/2024/5/S2B_33UUP_20240503_0_L2A/B08.tif` });
const env = (over: Record<string, string>): Record<string, string> => ({ TABLE_NAME: 'zonalflow', OUTPUT_BUCKET: 'zf-out', ...over });

describe('STAC asset hrefs and the stack\'s allow-list (AWS: configFromEnv)', () => {
  it('an asset host outside rasterHttpsHosts is refused in one line: item, asset, host, how to allow it', () => {
    const { allowed } = configFromEnv(env({ RASTER_HOSTS: 'earth-search.aws.element84.com' }));
    expect(() => checkAssetHrefs([earthSearch], allowed)).toThrow(UriNotAllowedError);
    expect(() => checkAssetHrefs([earthSearch], allowed)).toThrow(new RegExp(`^STAC item S2B_33UUP_20240503_0_L2A, asset "red": https://${S2.replaceAll('.', '\\.')}/.*/B04\\.tif: host ${S2.replaceAll('.', '\\.')} is not among the allowed https hosts \\(earth-search\\.aws\\.element84\\.com\\); allow the host with --raster-host ${S2.replaceAll('.', '\\.')} \\(zonalflow stats, local, estimate\\) or cdk deploy -c rasterHttpsHosts=${S2.replaceAll('.', '\\.')} \\(the stack\\)$`));
  });
  it('the host in rasterHttpsHosts: every asset passes', () => {
    const { allowed } = configFromEnv(env({ RASTER_HOSTS: `earth-search.aws.element84.com,${S2}` }));
    expect(() => checkAssetHrefs([earthSearch], allowed)).not.toThrow();
  });
  it('an s3:// asset outside rasterBuckets names the bucket and --raster-bucket / rasterBuckets', () => {
    const { allowed } = configFromEnv(env({ RASTER_BUCKETS: 'my-cogs' }));
    expect(() => checkAssetHrefs([scene({ red: 's3://sentinel-cogs/a/B04.tif' })], allowed)).toThrow(/^STAC item S2B_33UUP_20240503_0_L2A, asset "red": s3:\/\/sentinel-cogs\/a\/B04\.tif: bucket "sentinel-cogs" is not among the raster buckets allowed for this stack \(my-cogs\); allow the bucket with --raster-bucket sentinel-cogs \(zonalflow stats, local, estimate\) or cdk deploy -c rasterBuckets=sentinel-cogs \(the stack\)$/);
    expect(() => checkAssetHrefs([scene({ red: 's3://my-cogs/a/B04.tif' })], allowed)).not.toThrow();
  });
  it('a local path named by an API is refused even where local files are readable (zonalflow local), and the query never shows', () => {
    const { allowed } = configFromEnv(env({ ZONALFLOW_ALLOW_LOCAL_FILES: '1', RASTER_HOSTS: S2 }));
    expect(() => checkAssetHrefs([scene({ red: '/etc/passwd' })], allowed)).toThrow(/asset "red": \/etc\/passwd is a local path \(local files named by a STAC API are never read\)$/);
    expect(() => checkAssetHrefs([scene({ red: 'file:///etc/passwd' })], allowed)).toThrow(/is a local path/);
    expect(() => checkAssetHrefs([scene({ red: `https://other.example.org/B04.tif?X-Amz-Signature=SECRET` })], allowed)).toThrow(/^STAC item [^\n]*https:\/\/other\.example\.org\/B04\.tif\?…: host other\.example\.org [^\n]*--raster-host other\.example\.org[^\n]*$/);
  });
});

describe('the STAC API\'s own host and the allow-list (zonalflow local, the stack)', () => {
  it('an API host outside the list is refused before any request, in one line naming it and how to allow it (--raster-host, rasterHttpsHosts)', async () => {
    // Prepare: the stack's list without the API's host (zonalflow local gives the spec's raster hosts only)
    const { allowed } = configFromEnv(env({ RASTER_HOSTS: S2 }));
    const stac = { api: 'https://earth-search.aws.element84.com/v1', collections: ['sentinel-2-l2a'], assets: { red: 'red' }, limit: 100 } as unknown as StacSpec;
    // Act
    const search = searchStac(stac, { xmin: 0, ymin: 0, xmax: 1, ymax: 1 }, { allowed, window: { from: Date.parse('2024-05-01T00:00:00Z'), to: Date.parse('2024-05-10T00:00:00Z') } });
    // Assess
    await expect(search).rejects.toThrow(UriNotAllowedError);
    await expect(search).rejects.toThrow(new RegExp(`^the STAC API https://earth-search\\.aws\\.element84\\.com/v1/search: host earth-search\\.aws\\.element84\\.com is not among the allowed https hosts \\(${S2.replaceAll('.', '\\.')}\\); allow the host with --raster-host earth-search\\.aws\\.element84\\.com \\(zonalflow stats, local, estimate\\) or cdk deploy -c rasterHttpsHosts=earth-search\\.aws\\.element84\\.com \\(the stack\\)$`));
  });
});
