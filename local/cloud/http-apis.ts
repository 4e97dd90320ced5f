/** The templates' HTTP APIs, served by the local API Gateway. */
import { LocalHttpApi } from '../apigw';
import type { LocalLambda } from '../lambda';
import { prefixed } from '../log';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type ResolvedStack } from '../template';

export function createHttpApis(
  stacks: ResolvedStack[],
  functionByArn: (arn: string) => LocalLambda,
  log: (line: string) => void,
): LocalHttpApi[] {
  const all = stacks.flatMap((s) => Object.values(s.resources));
  const ofApi = (type: string, apiRef: unknown) =>
    all.filter((r) => r.type === type && r.properties.ApiId === apiRef);
  return all
    .filter((r) => r.type === 'AWS::ApiGatewayV2::Api')
    .map((api) => {
      const stage = ofApi('AWS::ApiGatewayV2::Stage', api.ref)[0];
      return new LocalHttpApi({
        api: api.properties,
        apiId: String(api.ref),
        routes: ofApi('AWS::ApiGatewayV2::Route', api.ref).map((r) => r.properties as never),
        integrations: Object.fromEntries(
          ofApi('AWS::ApiGatewayV2::Integration', api.ref).map((r) => [String(r.ref), r.properties as never]),
        ),
        authorizers: Object.fromEntries(
          ofApi('AWS::ApiGatewayV2::Authorizer', api.ref).map((r) => [String(r.ref), r.properties as never]),
        ),
        ...(stage && { stage: stage.properties }),
        resolveFunction: (arn) => (event) => functionByArn(arn).invoke(event),
        log: prefixed(log, 'api'),
        accountId: LOCAL_ACCOUNT_ID,
        region: LOCAL_REGION,
      });
    });
}
