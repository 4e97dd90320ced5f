import type { SubscriptionMatch, WebhookEvent } from './model';

/**
 * RFC 4647 basic filtering: the range `en` matches `en` and `en-GB`, never `eng`; case-insensitive.
 */
export function languageMatches(range: string, tag: string): boolean {
  const r = range.toLowerCase();
  const t = tag.toLowerCase();
  return t === r || t.startsWith(`${r}-`);
}

/**
 * Whether a subscription (as its match row) wants an event. The event type and the partner were
 * matched by the key the row was found under; this applies the remaining filters. A filter that is
 * set requires the event to carry the field (a `places` filter never matches an event without places).
 */
export function matchesFilter(match: SubscriptionMatch, event: WebhookEvent): boolean {
  if (match.languages !== undefined) {
    const language = event.language;
    if (language === undefined || !match.languages.some((range) => languageMatches(range, language)))
      return false;
  }
  if (match.places !== undefined) {
    const places = new Set(event.places ?? []);
    if (!match.places.some((place) => places.has(place))) return false;
  }
  return true;
}
