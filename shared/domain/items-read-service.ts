import { NotFoundError } from './errors';
import type { ItemVersion, VersionSummary } from './item';
import { type Caller, ownedHead, requireVersion } from './item-access';
import type { ItemReadStore } from './ports';
import type { Translation } from './translation/model';
import type { TranslationStore } from './translation/ports';

export interface ItemsReadServiceDeps {
  store: ItemReadStore;
  /** Where translations are read from (the translator writes them). */
  translations: Pick<TranslationStore, 'get' | 'getVersion'>;
}

/**
 * The read side of a partner's items (items-read): its latest version, single versions, version
 * summaries and translations. Only the owner reads an item, held or not (item-access.ts).
 */
export class ItemsReadService {
  private readonly store: ItemReadStore;
  private readonly translations: ItemsReadServiceDeps['translations'];

  constructor(deps: ItemsReadServiceDeps) {
    this.store = deps.store;
    this.translations = deps.translations;
  }

  /** The latest version of an item. */
  async get(caller: Caller, itemId: string): Promise<ItemVersion> {
    const head = await ownedHead(this.store, caller, itemId);
    return requireVersion(this.store, itemId, head.version);
  }

  /** Version n of an item, and whether it is the latest (a held version that is not was superseded). */
  async getVersion(
    caller: Caller,
    itemId: string,
    version: number,
  ): Promise<{ version: ItemVersion; latest: boolean }> {
    const head = await ownedHead(this.store, caller, itemId);
    if (!Number.isSafeInteger(version) || version < 1 || version > head.version) {
      throw new NotFoundError(
        `Item ${itemId} has no version ${version}; its latest version is ${head.version}.`,
      );
    }
    return { version: await requireVersion(this.store, itemId, version), latest: version === head.version };
  }

  async listVersions(caller: Caller, itemId: string): Promise<VersionSummary[]> {
    await ownedHead(this.store, caller, itemId);
    return this.store.listVersions(itemId);
  }

  /**
   * The translation into `language` (a provider code, e.g. `en`) of the latest translated version;
   * else what was recorded for the latest version (e.g. skipped, and why); else 404.
   */
  async translation(caller: Caller, itemId: string, language: string): Promise<Translation> {
    const head = await ownedHead(this.store, caller, itemId);
    const translation =
      (await this.translations.get(itemId, language)) ??
      (await this.translations.getVersion(itemId, head.version, language));
    if (!translation) throw new NotFoundError(`Item ${itemId} has no translation into ${language}.`);
    return translation;
  }
}
