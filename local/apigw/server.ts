/**
 * A local API Gateway HTTP API (payload format 2.0, Lambda proxy integrations, Lambda REQUEST authorizers,
 * stage throttling, the 10 MB payload limit) served over node:http. The definition is checked in
 * definition.ts, each request goes through dispatch.ts; this file serves them and logs each one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertLoopbackBind, loopbackOnly } from '../support/loopback';
import {
  compileAuthorizers,
  compileIntegrations,
  compileRouteTable,
  InvalidHttpApiError,
} from './definition';
import { RequestDispatcher } from './dispatch';
import { type IncomingRequest, newRequestId } from './event';
import { normaliseIp, writeResponse } from './http-io';
import { INTERNAL_SERVER_ERROR } from './response';
import type {
  ApiProperties,
  AuthorizerProperties,
  IntegrationProperties,
  Invoke,
  ResolveFunction,
  RouteProperties,
  StageProperties,
} from './types';

export interface LocalHttpApiOptions {
  api: ApiProperties;
  /** What `Ref` of the AWS::ApiGatewayV2::Api resolved to; used in events and route ARNs. */
  apiId?: string;
  routes: RouteProperties[];
  /** Keyed by integration id (what a Route's `Target: integrations/<id>` names). */
  integrations: Record<string, IntegrationProperties>;
  /** Keyed by authorizer id (what a Route's `AuthorizerId` names). */
  authorizers?: Record<string, AuthorizerProperties>;
  stage?: StageProperties;
  resolveFunction: ResolveFunction;
  log?: (line: string) => void;
  accountId?: string;
  region?: string;
}

export class LocalHttpApi {
  private readonly dispatcher: RequestDispatcher;
  private readonly resolveFunction: ResolveFunction;
  private readonly invokers = new Map<string, Invoke>();
  private readonly log: (line: string) => void;
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(options: LocalHttpApiOptions) {
    const protocol = options.api.ProtocolType ?? 'HTTP';
    if (protocol !== 'HTTP')
      throw new InvalidHttpApiError(`Only HTTP APIs are emulated, got ProtocolType ${protocol}`);
    this.resolveFunction = options.resolveFunction;
    this.log = options.log ?? ((line) => console.log(line));
    const invoker = (functionArn: string) => this.invoker(functionArn);
    const integrations = compileIntegrations(options.integrations);
    const authorizers = compileAuthorizers(options.authorizers ?? {}, invoker);
    this.dispatcher = new RequestDispatcher({
      apiId: options.apiId ?? 'localapi',
      accountId: options.accountId ?? '000000000000',
      region: options.region ?? 'us-east-1',
      stage: options.stage ?? {},
      routeTable: compileRouteTable(options.routes, integrations, authorizers),
      integrations,
      invoker,
      log: this.log,
    });
  }

  /** The API's base URL (the `ApiEndpoint` attribute); available once listening. */
  get apiEndpoint(): string {
    if (!this.baseUrl) throw new Error('LocalHttpApi is not listening yet');
    return this.baseUrl;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    if (this.server) throw new Error('LocalHttpApi is already listening');
    assertLoopbackBind(host);
    const server = createServer(
      loopbackOnly((req, res) => {
        this.handle(req, res).catch((error: unknown) => {
          this.log(`[apigw] internal error: ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent) writeResponse(res, INTERNAL_SERVER_ERROR(), 'unknown');
          else res.destroy();
        });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.baseUrl = `http://${urlHost}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestTime = new Date();
    const requestId = newRequestId();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const request: IncomingRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      rawPath: queryAt === -1 ? url : url.slice(0, queryAt),
      rawQueryString: queryAt === -1 ? '' : url.slice(queryAt + 1),
      rawHeaders: req.rawHeaders,
      sourceIp: normaliseIp(req.socket.remoteAddress),
      protocol: `HTTP/${req.httpVersion}`,
    };

    const outcome = await this.dispatcher.dispatch(req, request, requestId, requestTime);
    writeResponse(res, outcome.response, requestId);
    const total = Math.round(performance.now() - started);
    const integration = outcome.integrationMs === undefined ? '-' : `${outcome.integrationMs}ms`;
    this.log(
      `[apigw] ${request.method} ${request.rawPath} route=${outcome.routeKey} status=${outcome.response.statusCode} ` +
        `latency=${total}ms auth=${outcome.auth} integration=${integration} requestId=${requestId}`,
    );
  }

  /** Each function is resolved once, at its first invocation. */
  private invoker(functionArn: string): Invoke {
    let invoke = this.invokers.get(functionArn);
    if (!invoke) {
      invoke = this.resolveFunction(functionArn);
      this.invokers.set(functionArn, invoke);
    }
    return invoke;
  }
}
