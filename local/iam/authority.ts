/**
 * Who is calling, and may they: every local function gets its own temporary credentials (an `ASIA…`
 * access key, as Lambda hands out for the execution role), so a local endpoint can tell from a
 * request's SigV4 `Credential` scope which function's role signs it. Any other access key is the
 * operator's (tests, CLIs, the console) and is allowed everything, like an administrator.
 *
 * Signatures are not verified: the access key id attributes a request, which is enough to catch a
 * missing grant; it is no defence against code on this machine that forges a header.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type AuthorizationRequest, evaluate } from './policy';
import type { RolePolicies } from './roles';

export interface Principal {
  functionName: string;
  roleName: string;
  roleArn: string;
  /** What AWS names the caller in its messages: `arn:aws:sts::<account>:assumed-role/<role>/<function>`. */
  sessionArn: string;
  policies: RolePolicies;
}

export interface Denial {
  principal: Principal;
  action: string;
  resource: string;
  explicit: boolean;
  /** AWS's wording: `User: … is not authorized to perform: … on resource: … because …`. */
  message: string;
}

export interface FunctionCredentials {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN: string;
}

export interface IamAuthorityOptions {
  /** Off: calls are attributed but never refused (`npm start -- --no-iam`). */
  enabled: boolean;
  accountId: string;
  roles: ReadonlyMap<string, RolePolicies>;
  log: (line: string) => void;
  /** Told of every principal `credentialsFor` creates (the proxy thread attributes requests too). */
  onPrincipal?: (accessKeyId: string, principal: Principal) => void;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export class IamAuthority {
  private readonly byAccessKey = new Map<string, Principal>();

  constructor(private readonly options: IamAuthorityOptions) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  /**
   * Credentials for one function's execution environments, or undefined when its role is not in the
   * templates (an imported role: its policies are unknown, so its calls run as the operator's).
   */
  credentialsFor(functionName: string, roleArn: string): FunctionCredentials | undefined {
    const policies = this.options.roles.get(roleArn);
    if (!policies) return undefined;
    const accessKeyId = `ASIA${[...randomBytes(16)].map((b) => BASE32[b % 32]).join('')}`;
    const principal: Principal = {
      functionName,
      roleName: policies.roleName,
      roleArn,
      sessionArn: `arn:aws:sts::${this.options.accountId}:assumed-role/${policies.roleName}/${functionName}`,
      policies,
    };
    this.byAccessKey.set(accessKeyId, principal);
    this.options.onPrincipal?.(accessKeyId, principal);
    return {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
      AWS_SESSION_TOKEN: randomBytes(96).toString('base64'),
    };
  }

  /** Attributes `accessKeyId` to a principal another authority created (the proxy thread's copy). */
  admit(accessKeyId: string, principal: Principal): void {
    this.byAccessKey.set(accessKeyId, principal);
  }

  /** The function whose credentials signed the request; undefined for the operator. */
  principalOf(headers: IncomingHttpHeaders, url?: string): Principal | undefined {
    const accessKeyId = accessKeyIdOf(headers, url);
    return accessKeyId === undefined ? undefined : this.byAccessKey.get(accessKeyId);
  }

  /**
   * A service acting with a role of the templates (e.g. Scheduler invoking a target with the
   * schedule's `RoleArn`); undefined when the role is not in the templates.
   */
  servicePrincipal(roleArn: string, sessionName: string): Principal | undefined {
    const policies = this.options.roles.get(roleArn);
    if (!policies) return undefined;
    return {
      functionName: sessionName,
      roleName: policies.roleName,
      roleArn,
      sessionArn: `arn:aws:sts::${this.options.accountId}:assumed-role/${policies.roleName}/${sessionName}`,
      policies,
    };
  }

  principalOfFunction(functionName: string): Principal | undefined {
    for (const principal of this.byAccessKey.values())
      if (principal.functionName === functionName) return principal;
    return undefined;
  }

  /**
   * Every request must be allowed (a call touching several resources needs each); the first refusal
   * is logged once and returned. The operator and a disabled authority are never refused.
   */
  authorize(principal: Principal | undefined, requests: readonly AuthorizationRequest[]): Denial | undefined {
    if (!principal || !this.options.enabled) return undefined;
    for (const request of requests) {
      const decision = evaluate(principal.policies.statements, request);
      if (decision.effect === 'allow') continue;
      const explicit = decision.effect === 'explicit-deny';
      const denial: Denial = {
        principal,
        action: request.action,
        resource: request.resource,
        explicit,
        message: deniedMessage(principal.sessionArn, request.action, request.resource, explicit),
      };
      this.logDenial(principal, request, explicit ? 'explicit deny' : 'no identity-based policy allows it');
      return denial;
    }
    return undefined;
  }

  /** One line per refused call: the function, the action, the resource and why. */
  logDenial(principal: Principal, request: AuthorizationRequest, why: string): void {
    this.options.log(
      `[iam] denied ${principal.functionName}: ${request.action} on ${request.resource} (${why}; role ${principal.roleName})`,
    );
  }
}

export function deniedMessage(
  sessionArn: string,
  action: string,
  resource: string,
  explicit: boolean,
): string {
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${sessionArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

/**
 * The access key id of a SigV4 request: `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/…`
 * or, for a presigned URL, the `X-Amz-Credential` query parameter.
 */
export function accessKeyIdOf(headers: IncomingHttpHeaders, url?: string): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /Credential=([^/,\s]+)\//.exec(authorization);
    if (match) return match[1];
  }
  if (url?.includes('X-Amz-Credential=')) {
    const credential = new URL(url, 'http://localhost').searchParams.get('X-Amz-Credential');
    return credential?.split('/')[0] || undefined;
  }
  return undefined;
}
