/** Reading the resolved templates: which resources to create, and the local values they resolve to. */
import { schedulerResourceProviders } from '../scheduler';
import { sqsResourceProvider } from '../sqs';
import type { ResolvedResource, ResolvedStack, ResourceProviders } from '../template';
import type { LocalEndpoints } from './types';

/** A stack's resources of one type, in the template's order. */
export function resourcesOfType(stack: ResolvedStack, type: string): ResolvedResource[] {
  return stack.order.map((id) => stack.resources[id]!).filter((r) => r.type === type);
}

/** Local values for `Ref`/`Fn::GetAtt` where AWS's conventions are not enough. */
export function resourceProviders(
  endpoints: LocalEndpoints,
  streamArns: Map<string, string>,
): ResourceProviders {
  return {
    'AWS::SQS::Queue': sqsResourceProvider(endpoints.sqs),
    'AWS::DynamoDB::Table': {
      getAtt: (r, attribute) =>
        attribute === 'StreamArn'
          ? (streamArns.get(r.physicalId) ??
            `arn:aws:dynamodb:${r.region}:${r.accountId}:table/${r.physicalId}/stream/pending`)
          : undefined,
    },
    'AWS::ApiGatewayV2::Api': {
      getAtt: (_r, attribute) => (attribute === 'ApiEndpoint' ? endpoints.api : undefined),
    },
    ...schedulerResourceProviders(),
  };
}
