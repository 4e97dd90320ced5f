import { acceptanceOf, isHeld, publicAfter } from './embargo';
import {
  ConflictError,
  ItemExistsError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
  VersionLimitError,
} from './errors';
import { itemIdFor } from './ids';
import { contentHashOf } from './ingest/canonical-json';
import {
  etagOf,
  type ItemHead,
  type ItemVersion,
  MAX_ITEM_VERSIONS,
  type NinjsDocument,
  type PreparedItem,
  type Warning,
} from './item';
import { type Caller, ownedHead, requireVersion } from './item-access';
import type { ItemWriteStore } from './ports';

export type { Caller } from './item-access';

export interface ItemsServiceDeps {
  store: ItemWriteStore;
  clock?: () => Date;
  /** The id of the item a partner submits under a uri; tests may override the default `itemIdFor`. */
  itemIdFor?: (partnerId: string, uri: string) => string;
}

/** Attempts to write over a held version that a concurrent release keeps changing or locking. */
const MAX_HELD_ATTEMPTS = 4;

/**
 * The write rules of a partner's items (items-write): idempotent submission per (partner, uri),
 * optimistic concurrency on corrections and retractions (If-Match = the version), immutable
 * versions, and strict tenant isolation (item-access.ts). Storage is behind the ItemWriteStore
 * port; reads are ItemsReadService's (items-read-service.ts).
 */
export class ItemsService {
  private readonly store: ItemWriteStore;
  private readonly clock: () => Date;
  private readonly itemIdFor: (partnerId: string, uri: string) => string;

  constructor(deps: ItemsServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? (() => new Date());
    this.itemIdFor = deps.itemIdFor ?? itemIdFor;
  }

  /**
   * Creates the item for `prepared.document.uri`. Resubmitting identical content is a no-op that
   * returns the current version (safe client retries); different content must go through PUT.
   */
  async submit(
    caller: Caller,
    prepared: PreparedItem,
  ): Promise<{ outcome: 'created' | 'unchanged'; version: ItemVersion; warnings: Warning[] }> {
    const now = this.clock();
    const { hold, warnings } = acceptanceOf(prepared.document, now, false);
    const first: ItemVersion = {
      ...versionFields(prepared.document, prepared.contentHash),
      // One id per (partner, uri): the store refuses a second version 1 under it.
      itemId: this.itemIdFor(caller.partnerId, prepared.document.uri),
      version: 1,
      partnerId: caller.partnerId,
      receivedAt: now.toISOString(),
      ...(hold === undefined ? {} : { hold }),
      publicBefore: false,
    };
    const result = await this.store.createItem(first);
    if (result.created)
      return { outcome: 'created', version: first, warnings: [...prepared.warnings, ...warnings] };

    const { existing } = result;
    if (existing.contentHash !== prepared.contentHash) {
      const advice =
        existing.pubstatus === 'canceled'
          ? 'It has been retracted and cannot be changed any more; publish the story under a new uri.'
          : `To change it, PUT the new content to the item (its Location) with If-Match: ${etagOf(existing.version)}.`;
      throw new ItemExistsError(
        existing.itemId,
        `An item with this uri already exists (${existing.itemId}, version ${existing.version}) with different content. ${advice}`,
        { extensions: { itemId: existing.itemId, version: existing.version } },
      );
    }
    return {
      outcome: 'unchanged',
      version: await this.requireVersion(existing.itemId, existing.version),
      warnings: prepared.warnings,
    };
  }

  /**
   * Replaces the content of an item with a new version, if the caller saw the latest one. Whether
   * the new version is held follows from its own `embargoed`/`pubstatus` (embargo.ts): so one PUT
   * moves an embargo, lifts it, corrects held content or makes a withheld item usable.
   */
  async correct(
    caller: Caller,
    itemId: string,
    expectedVersion: number | undefined,
    prepared: PreparedItem,
  ): Promise<{ outcome: 'corrected' | 'unchanged'; version: ItemVersion; warnings: Warning[] }> {
    let head = await this.ownedHead(caller, itemId);
    assertExpectedVersion(head, expectedVersion);
    if (head.pubstatus === 'canceled') {
      throw new ConflictError(`Item ${itemId} has been retracted; a retracted item cannot be corrected.`, {
        extensions: { itemId, version: head.version },
      });
    }
    if (prepared.document.uri !== head.uri) {
      throw new ValidationError('The uri of an item cannot change; submit a new item for a new uri.', {
        errors: [{ pointer: '/uri', message: `must equal the item's uri ${JSON.stringify(head.uri)}` }],
      });
    }
    if (prepared.contentHash === head.contentHash) {
      return {
        outcome: 'unchanged',
        version: await this.requireVersion(itemId, head.version),
        warnings: prepared.warnings,
      };
    }
    for (let attempt = 1; ; attempt++) {
      assertRoomForCorrection(head);
      const now = this.clock();
      const { hold, warnings } = acceptanceOf(prepared.document, now, publicAfter(head));
      const next: ItemVersion = {
        ...versionFields(prepared.document, prepared.contentHash),
        itemId,
        version: head.version + 1,
        partnerId: head.partnerId,
        receivedAt: now.toISOString(),
        ...(hold === undefined ? {} : { hold }),
        publicBefore: publicAfter(head),
      };
      const appended = await this.append(next, head, attempt);
      if (appended === true)
        return { outcome: 'corrected', version: next, warnings: [...prepared.warnings, ...warnings] };
      head = appended;
    }
  }

  /**
   * Retracts an item: a new version with pubstatus 'canceled' that keeps the last content, so
   * subscribers can tell what was withdrawn. Retracting again is a no-op (safe DELETE retries).
   */
  async retract(
    caller: Caller,
    itemId: string,
    expectedVersion: number | undefined,
  ): Promise<{ outcome: 'retracted' | 'unchanged'; version: ItemVersion }> {
    let head = await this.ownedHead(caller, itemId);
    if (expectedVersion === undefined) throw preconditionRequired();
    // Checked before If-Match: a retried DELETE whose first attempt succeeded has a stale If-Match.
    if (head.pubstatus === 'canceled') {
      return { outcome: 'unchanged', version: await this.requireVersion(itemId, head.version) };
    }
    assertExpectedVersion(head, expectedVersion);
    const previous = await this.requireVersion(itemId, head.version);
    const document: NinjsDocument = { ...previous.document, pubstatus: 'canceled' };
    for (let attempt = 1; ; attempt++) {
      // A retraction is never held; when nothing was ever public it is not announced either.
      const { hold: _held, releasedAt: _released, supersededAt: _superseded, ...content } = previous;
      const next: ItemVersion = {
        ...content,
        version: head.version + 1,
        pubstatus: 'canceled',
        receivedAt: this.now(),
        // Same hash the ingest pipeline gives a submitted document, so equal content keeps equal hashes.
        contentHash: contentHashOf(document),
        document,
        publicBefore: publicAfter(head),
      };
      const appended = await this.append(next, head, attempt);
      if (appended === true) return { outcome: 'retracted', version: next };
      head = appended;
    }
  }

  private ownedHead(caller: Caller, itemId: string): Promise<ItemHead> {
    return ownedHead(this.store, caller, itemId);
  }

  /**
   * Appends `next` on `base`. Returns true, or the fresh head to recompute `next` on when `base`
   * was a held version and is still the latest: released meanwhile (now public), or still held
   * after a conflict with a concurrent release attempt (a few times, then 412). Any other lost
   * race is answered like a stale If-Match.
   */
  private async append(next: ItemVersion, base: ItemHead, attempt = 1): Promise<true | ItemHead> {
    if (await this.store.appendVersion(next, base)) return true;
    if (isHeld(base) && attempt < MAX_HELD_ATTEMPTS) {
      const fresh = await this.store.getHead(base.itemId);
      if (fresh?.version === base.version) return fresh;
    }
    throw staleVersion(base.version);
  }

  private requireVersion(itemId: string, version: number): Promise<ItemVersion> {
    return requireVersion(this.store, itemId, version);
  }

  /** ISO 8601 UTC with milliseconds, e.g. 2025-01-31T12:00:00.000Z. */
  private now(): string {
    return this.clock().toISOString();
  }
}

function versionFields(
  document: NinjsDocument,
  contentHash: string,
): Pick<ItemVersion, 'uri' | 'language' | 'pubstatus' | 'contentHash' | 'document'> {
  return {
    uri: document.uri,
    language: document.language,
    pubstatus: document.pubstatus ?? 'usable',
    contentHash,
    document,
  };
}

function assertExpectedVersion(head: ItemHead, expectedVersion: number | undefined): void {
  if (expectedVersion === undefined) throw preconditionRequired();
  if (expectedVersion !== head.version) throw staleVersion(expectedVersion, head);
}

/** A correction may take versions up to MAX_ITEM_VERSIONS - 1: the last is kept for a retraction. */
function assertRoomForCorrection(head: ItemHead): void {
  if (head.version < MAX_ITEM_VERSIONS - 1) return;
  throw new VersionLimitError(
    `Item ${head.itemId} has ${head.version} versions, the most a correction may reach (the ${MAX_ITEM_VERSIONS}th is kept for a retraction). Publish the story under a new uri.`,
    {
      errors: [
        {
          pointer: '',
          message: `the item cannot take more than ${MAX_ITEM_VERSIONS - 1} corrected versions`,
        },
      ],
      extensions: { itemId: head.itemId, version: head.version, maxVersions: MAX_ITEM_VERSIONS },
    },
  );
}

function preconditionRequired(): PreconditionRequiredError {
  return new PreconditionRequiredError(
    'Changing an item requires If-Match with the version you last read, e.g. If-Match: "1".',
  );
}

function staleVersion(expectedVersion: number, head?: ItemHead): PreconditionFailedError {
  const current = head ? ` The latest version is ${head.version}.` : '';
  return new PreconditionFailedError(
    `If-Match ${etagOf(expectedVersion)} does not match the latest version of the item.${current} Read the item again and retry.`,
    head ? { extensions: { itemId: head.itemId, version: head.version } } : {},
  );
}
