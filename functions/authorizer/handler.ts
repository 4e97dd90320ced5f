import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { dynamoDb } from '#shared/adapters/clients/dynamodb.ts';
import { CachedKeyLookup } from '#shared/adapters/dynamodb/cached-key-lookup.ts';
import { DynamoPartnerStore } from '#shared/adapters/dynamodb/partner-store.ts';
import { requireEnv } from '#shared/adapters/env.ts';
import { MetricUnit } from '#shared/adapters/metrics.ts';
import { logger, metrics, observedHandler } from '#shared/adapters/observability.ts';
import type { AuthorizerContext } from '#shared/contracts/api/authorizer-context.ts';
import { hashApiKey, parseBearer } from '#shared/domain/api-keys.ts';

const partnersTableName = requireEnv('PARTNERS_TABLE_NAME');
const partners = new DynamoPartnerStore(dynamoDb, partnersTableName);
const keys = new CachedKeyLookup((keyHash) => partners.findKeyByHash(keyHash));

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

/**
 * Always allows: an HTTP API authorizer can only deny with a 403, so a bad key is passed on as
 * `authError` and the route answers 401 problem+json. The key itself is never logged, not even
 * in part; only its hash is looked up.
 */
async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> {
  // The format check comes first: a malformed key costs no I/O.
  const apiKey = parseBearer(event.headers?.authorization);
  const found = apiKey === undefined ? undefined : await keys.find(hashApiKey(apiKey));
  const record = found?.record;
  if (record?.status !== 'active') {
    const reason = apiKey === undefined ? 'malformed-or-missing' : record ? 'revoked' : 'unknown';
    logger.info('API key rejected', {
      reason,
      ...(found?.cached && { cached: true }),
      ...(record && { keyPrefix: record.keyPrefix }),
    });
    metrics.addMetric('ApiKeyRejected', MetricUnit.Count, 1);
    return { isAuthorized: true, context: { authError: 'invalid-key' } };
  }
  logger.info('API key accepted', { partnerId: record.partnerId, keyPrefix: record.keyPrefix });
  metrics.addMetric('ApiKeyAccepted', MetricUnit.Count, 1);
  return {
    isAuthorized: true,
    context: {
      partnerId: record.partnerId,
      partnerName: record.partnerName,
      scopes: record.scopes.join(' '),
    },
  };
}

// logEvent is forced off: the event carries the Authorization header.
export const handler = observedHandler<APIGatewayRequestAuthorizerEventV2, AuthorizerResult>().handler(
  authorize,
);
