/**
 * The context the Lambda authorizer hands to every route (`requestContext.authorizer.lambda`).
 * HTTP API simple responses only carry string/number/boolean values, so scopes travel
 * space-separated, as in OAuth 2.0 (RFC 6749 §3.3).
 */
export type AuthorizerContext =
  | { partnerId: string; partnerName: string; scopes: string }
  | { authError: 'invalid-key' };

/**
 * Scopes a route can demand. Keys may also carry `events:all` (cross-partner webhooks, see
 * docs/webhooks.md). `feed:read` lets a consumer read other partners' items in the feed, within its
 * entitlement (docs/feed.md).
 */
export type Scope = 'items:read' | 'items:write' | 'webhooks:manage' | 'feed:read';
