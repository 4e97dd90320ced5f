import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DynamoFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import type { NewFeedRecord } from '#shared/domain/feed/model.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable } from '../support/tables';

/**
 * Appending a stream batch to the feed on DynamoDB Local (`DynamoFeedStore.appendAll`): consecutive
 * numbers across transactions, each event once, and no gap while recorders race. Each test works on
 * its own table, so sequence numbers start at 1.
 */

const client = localDynamoClient();

async function world(): Promise<{ recorder: () => DynamoFeedStore }> {
  const table = await createItemsTable(client, uniqueTableName('feed-append'));
  return { recorder: () => new DynamoFeedStore(client, table) };
}

describe('appending a stream batch', () => {
  let counter = 0;
  function change(itemId = `itm_batch${++counter}`): NewFeedRecord {
    return {
      eventId: `evt-${itemId}-${randomBytes(3).toString('hex')}`,
      type: 'NewsItemPublished',
      itemId,
      version: 1,
      source: 'ptn_batch',
      language: 'ar',
      pubstatus: 'usable',
      uri: `urn:test:${itemId}`,
      headline: 'خبر',
      time: new Date().toISOString(),
      held: false,
    };
  }

  async function sequence(recorder: DynamoFeedStore): Promise<{ seq: number; eventId: string }[]> {
    const rows = [];
    for (let after = 0; ; ) {
      const page = await recorder.readAfter(after, 500);
      if (page.length === 0) return rows;
      rows.push(...page.map(({ seq, eventId }) => ({ seq, eventId })));
      after = page[page.length - 1]!.seq;
    }
  }

  it('numbers a batch larger than one transaction consecutively, in order', async () => {
    const w = await world();
    const recorder = w.recorder();
    const changes = Array.from({ length: 123 }, () => change());
    const numbers = await recorder.appendAll(changes);
    expect(numbers).toEqual(changes.map((_, index) => index + 1));
    expect(await sequence(w.recorder())).toEqual(
      changes.map((c, index) => ({ seq: index + 1, eventId: c.eventId })),
    );
  });

  it('skips what was recorded before and repeats within the batch, leaving no gap', async () => {
    const w = await world();
    const [a, b, c, d] = [change(), change(), change(), change()];
    expect(await w.recorder().appendAll([a!, b!])).toEqual([1, 2]);
    // A fresh recorder (another Lambda instance) replays the batch with more behind it.
    expect(await w.recorder().appendAll([a!, b!, c!, c!, d!])).toEqual([
      undefined,
      undefined,
      3,
      undefined,
      4,
    ]);
    expect((await sequence(w.recorder())).map((row) => row.eventId)).toEqual(
      [a, b, c, d].map((x) => x!.eventId),
    );
  });

  it('never loses or repeats a change while recorders append overlapping batches at once', async () => {
    const w = await world();
    const changes = Array.from({ length: 90 }, () => change());
    // Three recorders, each a sliding window over the same changes (redelivered, overlapping batches).
    const slices = [changes.slice(0, 60), changes.slice(30, 90), changes.slice(15, 75)];
    await Promise.all(slices.map((slice) => w.recorder().appendAll(slice)));
    const rows = await sequence(w.recorder());
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(rows.map((row) => row.eventId).sort()).toEqual(changes.map((c) => c.eventId).sort());
  });
});
