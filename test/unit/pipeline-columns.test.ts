import { describe, expect, it } from 'vitest';
import { statColumns } from '../../shared/engine/columns';

describe('statColumns', () => {
  it('names one band <name>_<stat> and several bands <name>_b<k>_<stat>', () => {
    const cols = statColumns([{ name: 'elev', bands: [1] }, { name: 'l7', bands: [1, 3] }], ['mean', 'histogram']);
    expect(cols.map((c) => c.name)).toEqual(['elev_mean', 'elev_histogram', 'l7_b1_mean', 'l7_b1_histogram', 'l7_b3_mean', 'l7_b3_histogram']);
    expect(cols.filter((c) => c.kind === 'histogram')).toHaveLength(3);
  });
});
