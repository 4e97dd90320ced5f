/**
 * Stands in for `@aws-sdk/credential-provider-node` in Lambda bundles only (an esbuild alias set by
 * infra/constructs). In Lambda the execution role's credentials are always in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the SSO/INI/process/IMDS links
 * of the default chain never run there, yet they cost ~95 KB of every bundle. The SDK clients
 * themselves are unmodified; scripts and tests run from source with the full default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type FromEnvInit = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);

/** Same contract as the real module's helpers (used by some SDK internals). */
export const credentialsWillNeedRefresh = (credentials?: { expiration?: Date }) =>
  credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: { expiration?: Date }) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
