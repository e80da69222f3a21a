import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JobStore } from '../../../shared/jobs/store';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const ccf = (): ConditionalCheckFailedException => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('JobStore (aws-sdk-client-mock)', () => {
  it('completeBatch is a conditional write: an already DONE batch is not counted again', async () => {
    const m = mockClient(doc);
    m.on(UpdateCommand).rejectsOnce(ccf());
    const store = new JobStore(doc, 't');
    expect(await store.completeBatch('j', 'b', { featuresDone: 1, featuresFailed: 0, failures: [], parts: [], bytesRead: 0, requests: 0, ms: 0 })).toBe(false);
    const calls = m.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(1); // no counter bump
    expect(calls[0]?.args[0].input.ConditionExpression).toMatch(/#s <> :done/);
    m.restore();
  });
  it('a duplicate upload returns the job that claimed it', async () => {
    const m = mockClient(doc);
    m.on(PutCommand).rejects(ccf());
    m.on(GetCommand).resolves({ Item: { jobId: 'first' } });
    expect(await new JobStore(doc, 't').claimUpload('b', 'k', 'e', 'second')).toBe('first');
    m.restore();
  });
  it('unprocessed batch writes (throttling) are retried until written', async () => {
    const m = mockClient(doc);
    m.on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'x' } } }] } })
      .resolvesOnce({ UnprocessedItems: {} })
      .resolves({});
    const store = new JobStore(doc, 't', { sleep: () => Promise.resolve() });
    await store.putBatches('j', Array.from({ length: 30 }, (_, i) => ({ batchId: `b${i}`, key: 'k', features: 1 })));
    const calls = m.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(3); // 25 + retry of 1 + the remaining 5
    expect(calls[1]?.args[0].input.RequestItems?.t).toHaveLength(1);
    m.restore();
  });
});
