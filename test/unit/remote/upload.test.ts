/** Uploads above the threshold go in parts (lib-storage), smaller ones in one PutObject. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { MULTIPART_ABOVE_BYTES, uploadFile } from '../../../shared/remote/upload';

describe('uploadFile', () => {
  it('above the threshold: CreateMultipartUpload, parts, Complete; at or below: one PutObject', async () => {
    expect(MULTIPART_ABOVE_BYTES).toBe(100 * 1024 * 1024);
    const mock = mockClient(S3Client);
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCommand).resolves({ ETag: '"p"' });
    mock.on(CompleteMultipartUploadCommand).resolves({});
    mock.on(PutObjectCommand).resolves({});
    const dir = mkdtempSync(join(tmpdir(), 'zf-up-'));
    const path = join(dir, 'big.gpkg');
    const size = 12 * 1024 * 1024;
    writeFileSync(path, Buffer.alloc(size, 7));
    const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    expect(await uploadFile(s3, 'in', 'uploads/big.gpkg', path, size, { multipartAboveBytes: 8 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 })).toBe('multipart');
    expect(mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    expect(mock.commandCalls(UploadPartCommand)).toHaveLength(3); // 5 + 5 + 2 MiB
    expect(mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(await uploadFile(s3, 'in', 'uploads/big.gpkg', path, size, { multipartAboveBytes: size })).toBe('put');
    expect(mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    mock.restore();
  });

  it('the metadata goes on the PutObject and on the CreateMultipartUpload (where S3 takes it for a multipart object)', async () => {
    const mock = mockClient(S3Client);
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCommand).resolves({ ETag: '"p"' });
    mock.on(CompleteMultipartUploadCommand).resolves({});
    mock.on(PutObjectCommand).resolves({});
    const path = join(mkdtempSync(join(tmpdir(), 'zf-up-')), 'f.gpkg');
    const size = 6 * 1024 * 1024;
    writeFileSync(path, Buffer.alloc(size, 1));
    const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const metadata = { 'zonalflow-input-name': './donn%C3%A9es/f.gpkg' };
    await uploadFile(s3, 'in', 'uploads/f.gpkg', path, size, { metadata });
    expect(mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Metadata).toEqual(metadata);
    await uploadFile(s3, 'in', 'uploads/f.gpkg', path, size, { metadata, multipartAboveBytes: 1024, partSizeBytes: 5 * 1024 * 1024 });
    expect(mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input.Metadata).toEqual(metadata);
    mock.restore();
  });
});
