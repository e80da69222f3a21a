/**
 * The S3 client of in-process runs (`zonalflow stats`): the SDK imported only when a job reads an
 * s3:// URI, credentials from the default AWS chain (environment, profile, SSO, instance or
 * container role), the region from the default chain too, or us-east-1 when none is configured
 * (any region works: S3Source follows a bucket's region redirect). `AWS_ENDPOINT_URL_S3` (the SDK's
 * own setting) points it at a stand-in, path-style.
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** A client for the default credential chain and region. */
export async function defaultS3Client(env: Record<string, string | undefined>): Promise<S3Client> {
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  const options = { maxAttempts: 3, forcePathStyle: env.AWS_ENDPOINT_URL_S3 !== undefined };
  const client = new Client(options);
  try {
    await client.config.region();
    return client;
  } catch {
    client.destroy();
    return new Client({ ...options, region: 'us-east-1' });
  }
}
