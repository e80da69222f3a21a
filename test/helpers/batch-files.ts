/** A batch file Plan wrote to S3 (or a stand-in), read as the Worker reads it (batch-file.ts readBatchFile). */
import type { S3Client } from '@aws-sdk/client-s3';
import { readBatchFile } from '../../shared/pipeline/batch-file';
import type { ReadBatch } from '../../shared/pipeline/batch-file';
import { getBytes } from '../../shared/pipeline/objects';

/** The batch file at `bucket`/`key`: its header and features, and each feature's blob (null: a GeoJSON geometry). */
export async function readBatchObject(s3: S3Client, bucket: string, key: string): Promise<{ batch: ReadBatch; blobs: (Uint8Array | null)[] }> {
  const bytes = await getBytes(s3, { bucket, key });
  if (bytes === null) throw new Error(`no batch file s3://${bucket}/${key}`);
  return readBatchFile(bytes, `s3://${bucket}/${key}`);
}
