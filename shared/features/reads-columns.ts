/**
 * Whether a job's input options read columns (an id column, included attributes): then a GeoJSON FeatureCollection
 * establishes its fields in the pass that finds its name and CRS (open.ts OpenSourceOptions.fields). A module of its
 * own so that Plan and a time series ask it without loading the readers.
 */
export function readsColumns(input: { idColumn?: string | undefined; include?: readonly string[] | undefined }): boolean {
  return input.idColumn !== undefined || (input.include ?? []).length > 0;
}
