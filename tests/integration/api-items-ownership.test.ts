/** The items API handlers: an item belongs to the authenticated partner, whatever the request says. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ItemReceipt, Problem } from '#shared/contracts/api/schemas.ts';
import { newId } from '#shared/domain/ids.ts';
import { partnerContext, responseHeader } from '../support/api-events';
import {
  created,
  del,
  documents,
  expectProblem,
  getItem,
  getVersion,
  getVersions,
  item,
  partnerA,
  partnerB,
  post,
  put,
  tableName,
} from '../support/items-api';

describe('the owner is always the authenticated partner', () => {
  it('refuses partnerId in the body as an unknown field', async () => {
    const problem = expectProblem(
      await post(JSON.stringify(item({ partnerId: partnerB.partnerId }))),
      400,
      'validation-error',
    );
    expect(problem.errors?.map((error) => error.pointer)).toContain('/partnerId');
  });

  it('ignores ninjs fields and headers that name another partner', async () => {
    const document = item({
      copyrightholder: partnerB.partnerId,
      infosources: [{ name: String(partnerB.partnerId), role: 'owner' }],
    });
    const response = await post(JSON.stringify(document), {
      headers: { 'x-partner-id': String(partnerB.partnerId) },
    });
    expect(response.status).toBe(201);
    const { id } = ItemReceipt.parse(response.body);
    expect((await getItem(id)).status).toBe(200);
    expectProblem(await getItem(id, { partner: partnerB }), 404, 'not-found');
    const row = await documents.send(
      new GetCommand({ TableName: tableName, Key: { PK: `ITEM#${id}`, SK: 'V#000000001' } }),
    );
    expect(row.Item?.partnerId).toBe(partnerA.partnerId);
  });

  it('401 with a Bearer challenge when the authorizer context has no partner', async () => {
    for (const response of [
      await post(JSON.stringify(item()), { partner: null }),
      await getItem(newId('itm'), { partner: {} }),
    ]) {
      expectProblem(response, 401, 'unauthorized');
      expect(responseHeader(response, 'www-authenticate')).toBe('Bearer');
    }
    const invalidKey = await post(JSON.stringify(item()), { partner: { authError: 'invalid-key' } });
    expectProblem(invalidKey, 401, 'unauthorized');
    expect(responseHeader(invalidKey, 'www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('403 when the key lacks the scope of the route', async () => {
    const readOnly = partnerContext(String(partnerA.partnerId), 'items:read');
    const response = await post(JSON.stringify(item()), { partner: readOnly });
    expectProblem(response, 403, 'insufficient-scope');
  });

  it("answers 404 on every item route for another partner's item, exactly as for an unknown id", async () => {
    const { id, document } = await created();
    const other = { partner: partnerB };
    const unknownId = newId('itm');
    const attempts = [
      [() => getItem(id, other), () => getItem(unknownId, other)],
      [() => getVersions(id, other), () => getVersions(unknownId, other)],
      [() => getVersion(id, '1', other), () => getVersion(unknownId, '1', other)],
      [
        () => put(id, JSON.stringify(document), '"1"', other),
        () => put(unknownId, JSON.stringify(document), '"1"', other),
      ],
      [() => del(id, '"1"', other), () => del(unknownId, '"1"', other)],
    ] as const;
    for (const [theirs, nobodys] of attempts) {
      const [forOther, forUnknown] = [await theirs(), await nobodys()];
      const problem = expectProblem(forOther, 404, 'not-found');
      expect(problem.detail).toBe(Problem.parse(forUnknown.body).detail);
      expect(forOther.raw).not.toContain(String(partnerA.partnerId));
    }
    // Nothing changed for the owner.
    expect((await getVersions(id)).body.versions).toHaveLength(1);
  });
});
