/** --allow-host values as users write them (host, host:port, [v6]:port, a URL), what the option allows, and the refusal's hint. */
import { describe, expect, it } from 'vitest';
import { allowedFromUris, checkUri } from '../../../shared/io/uri';

describe('--allow-host', () => {
  for (const value of ['127.0.0.1', '127.0.0.1:18731', 'http://127.0.0.1:18731/', ' 127.0.0.1 ']) {
    it(`"${value}" allows http://127.0.0.1:18731`, () => {
      const allowed = allowedFromUris(['http://127.0.0.1:18731/elev.tif'], [value]);
      expect(() => checkUri('http://127.0.0.1:18731/elev.tif', allowed)).not.toThrow();
    });
  }
  it('"[::1]:8080" allows http://[::1]:8080', () => {
    const allowed = allowedFromUris(['http://[::1]:8080/a.tif'], ['[::1]:8080']);
    expect(() => checkUri('http://[::1]:8080/a.tif', allowed)).not.toThrow();
  });
  it('without it, the refusal names --allow-host', () => {
    const allowed = allowedFromUris(['http://127.0.0.1:18731/elev.tif']);
    expect(() => checkUri('http://127.0.0.1:18731/elev.tif', allowed)).toThrow(/--allow-host HOST/);
  });
  it('another host stays refused', () => {
    const allowed = allowedFromUris(['http://127.0.0.2:18731/elev.tif'], ['127.0.0.1:18731']);
    expect(() => checkUri('http://127.0.0.2:18731/elev.tif', allowed)).toThrow(/--allow-host/);
  });
  it('a public host named with it is read too, over https or plain http, as a --raster-host host is (README: --allow-host)', () => {
    const allowed = allowedFromUris([], ['tiles.example.org']);
    expect(() => checkUri('https://tiles.example.org/a.tif', allowed)).not.toThrow();
    expect(() => checkUri('http://tiles.example.org/a.tif', allowed)).not.toThrow();
    expect(() => checkUri('https://other.example.org/a.tif', allowed)).toThrow(/host other\.example\.org is not among/);
  });
  it('a refusal lists the --allow-host hosts apart from the https hosts (they are read over plain http too)', () => {
    const allowed = allowedFromUris(['https://cogs.example.org/dem.tif'], ['127.0.0.1:18731']);
    expect(() => checkUri('https://other.example.org/a.tif', allowed)).toThrow(/^https:\/\/other\.example\.org\/a\.tif: host other\.example\.org is not among the allowed https hosts \(cogs\.example\.org\) nor the hosts named with --allow-host \(127\.0\.0\.1\)$/);
    expect(() => checkUri('https://other.example.org/a.tif', allowedFromUris(['https://cogs.example.org/dem.tif']))).toThrow(/: host other\.example\.org is not among the allowed https hosts \(cogs\.example\.org\)$/);
  });
});
