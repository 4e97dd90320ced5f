/**
 * Embargo and hold: which versions of an item may be public, and when (docs/events.md#embargo).
 *
 * - ninjs `embargoed` is the moment before which no version may be public. A version accepted
 *   while it lies in the future is HELD until then; one whose embargo already passed is not held
 *   (the receipt warns). `pubstatus: withheld` holds an item that has never been public, with no
 *   release time, until a correction makes it usable.
 * - A held version becomes public by its RELEASE (at the embargo time, exactly once), or is
 *   superseded by the next version (moved, lifted, corrected, retracted) and never becomes public.
 * - The public event of a version is `NewsItemPublished` when no earlier version was public,
 *   else `NewsItemCorrected` (`NewsItemRetracted` for a retraction). A retraction of an item that
 *   was never public is not public either: nothing ever left, so nothing is announced.
 *
 * Pure rules, no I/O: the items service and the release service apply them.
 */
import type { ItemVersion, NinjsDocument, Warning } from './item';

export type Hold = { kind: 'embargo'; until: string } | { kind: 'withheld' };

/** The publication facts stored with a version (absent on rows written before embargoes existed). */
export interface Publication {
  /** Set when the version was not public when accepted. */
  hold?: Hold;
  /** Whether an earlier version of the item was public when this one was accepted. */
  publicBefore?: boolean;
  /** When a held version was released (made public). */
  releasedAt?: string;
  /** When a held version was replaced by a later one before its release (it never becomes public). */
  supersededAt?: string;
}

/** Rows written before this module existed lack `publicBefore`: then every version but the first followed a public one. */
export function wasPublicBefore(v: Pick<ItemVersion, 'version'> & Publication): boolean {
  return v.publicBefore ?? v.version > 1;
}

/**
 * The instant of a ninjs date-time (RFC 3339 with an offset; the schema has already checked the
 * syntax). A leap second (`:60`) is read as the first instant of the next minute.
 */
export function instantOf(value: string): Date | undefined {
  const leap = /^(.*T\d{2}:\d{2}):60(\.\d+)?(.*)$/.exec(value);
  const ms = leap ? Date.parse(`${leap[1]}:59${leap[3]}`) + 1000 : Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export interface Acceptance {
  hold?: Hold;
  warnings: Warning[];
}

/**
 * Whether a new version is held when accepted at `now`. `publicBefore`: an earlier version of the
 * item is public (withheld cannot un-publish it: such a version is a public notice, see below).
 */
export function acceptanceOf(document: NinjsDocument, now: Date, publicBefore: boolean): Acceptance {
  const pubstatus = document.pubstatus ?? 'usable';
  if (pubstatus === 'canceled') return { warnings: [] };
  const warnings: Warning[] = [];
  let until: Date | undefined;
  if (typeof document.embargoed === 'string') {
    const instant = instantOf(document.embargoed);
    if (instant !== undefined && instant.getTime() > now.getTime()) until = instant;
    else {
      warnings.push({
        pointer: '/embargoed',
        code: 'embargo-passed',
        message: `The embargo time ${document.embargoed} has already passed, so it does not hold this version.`,
      });
    }
  }
  // IPTC: withheld = not to be used until further notice. An item never public stays unannounced;
  // one already public gets the withheld version as a public correction, so subscribers stop using it.
  if (pubstatus === 'withheld' && !publicBefore) return { hold: { kind: 'withheld' }, warnings };
  if (until !== undefined) return { hold: { kind: 'embargo', until: until.toISOString() }, warnings };
  return { warnings };
}

/** A version that is held right now: held at acceptance, neither released nor superseded. */
export function isHeld(v: Publication): boolean {
  return v.hold !== undefined && v.releasedAt === undefined && v.supersededAt === undefined;
}

/** Whether the version is (or was made) public: what a subscriber has been told. */
export function isPublic(v: Pick<ItemVersion, 'version' | 'pubstatus'> & Publication): boolean {
  if (v.hold !== undefined) return v.releasedAt !== undefined;
  // Rows from before embargoes (no publicBefore) were all announced.
  return v.pubstatus !== 'canceled' || (v.publicBefore ?? true);
}

/** `publicBefore` of the version that follows `head`. */
export function publicAfter(head: Pick<ItemVersion, 'version' | 'pubstatus'> & Publication): boolean {
  return wasPublicBefore(head) || isPublic(head);
}

/** Whether a held version's embargo time has come at `now` (never for withheld). */
export function isDue(v: Publication, now: Date): boolean {
  return isHeld(v) && v.hold?.kind === 'embargo' && Date.parse(v.hold.until) <= now.getTime();
}

export type ReleaseState = 'public' | 'held' | 'released' | 'superseded' | 'withdrawn';

/** What the owner sees about one version (GET, versions list, receipts). */
export interface ReleaseView {
  state: ReleaseState;
  hold?: Hold['kind'];
  /** The embargo time of a held (or superseded) embargoed version. */
  releaseAt?: string;
  /** When the version became public. */
  releasedAt?: string;
}

/**
 * The owner's view of a version. `latest`: whether it is the item's latest version (a held version
 * that is not the latest was superseded, even on rows that predate `supersededAt`).
 */
export function releaseViewOf(
  v: Pick<ItemVersion, 'version' | 'pubstatus' | 'receivedAt'> & Publication,
  latest: boolean,
): ReleaseView {
  if (v.hold !== undefined) {
    const base = {
      hold: v.hold.kind,
      ...(v.hold.kind === 'embargo' ? { releaseAt: v.hold.until } : {}),
    };
    if (v.releasedAt !== undefined) return { state: 'released', ...base, releasedAt: v.releasedAt };
    if (v.supersededAt !== undefined || !latest) return { state: 'superseded', ...base };
    return { state: 'held', ...base };
  }
  if (!isPublic(v)) return { state: 'withdrawn' };
  return { state: 'public', releasedAt: v.receivedAt };
}
