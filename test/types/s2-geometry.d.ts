// Types of the parts of s2-geometry (a test oracle for our S2 cell ids) that the tests use.
declare module 's2-geometry' {
  export const S2: {
    latLngToKey(lat: number, lng: number, level: number): string;
    keyToId(key: string): string;
  };
}
