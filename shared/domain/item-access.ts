import { NotFoundError } from './errors';
import type { ItemHead, ItemVersion } from './item';
import type { ItemHeadReader } from './ports';

/** The authenticated partner on whose behalf a request runs. */
export interface Caller {
  partnerId: string;
}

/** The same answer whether the item does not exist or is another partner's: ids leak nothing. */
export const ITEM_NOT_FOUND_DETAIL = 'No item with this id exists for your account.';

/**
 * The tenant check, the one place it lives: the head of `itemId` if the caller owns it, else 404
 * (an unknown item and another partner's item answer alike). Both item services start here.
 */
export async function ownedHead(
  store: Pick<ItemHeadReader, 'getHead'>,
  caller: Caller,
  itemId: string,
): Promise<ItemHead> {
  const head = await store.getHead(itemId);
  if (!head || head.partnerId !== caller.partnerId) throw new NotFoundError(ITEM_NOT_FOUND_DETAIL);
  return head;
}

/** Versions up to the head's are immutable and always present; absence is a storage fault. */
export async function requireVersion(
  store: Pick<ItemHeadReader, 'getVersion'>,
  itemId: string,
  version: number,
): Promise<ItemVersion> {
  const found = await store.getVersion(itemId, version);
  if (!found) throw new Error(`Version ${version} of item ${itemId} is missing from the store`);
  return found;
}
