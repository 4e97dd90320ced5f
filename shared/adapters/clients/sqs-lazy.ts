import type { Sqs } from './sqs.ts';

/**
 * The SQS client of clients/sqs.ts for functions that rarely send: its module (the SQS SDK, ~25 KB)
 * is loaded and the client built on the first call, and later calls get the same client. The
 * dispatcher sends only to retry, pace or wait and the subscriptions API only to redeliver, so their
 * cold starts neither evaluate the SQS code nor build a client most invocations never use. The
 * bundles split the `import()` into a chunk of their own (bundleOptions in
 * infra/constructs/diplowire-function.ts; docs/operations.md, "Cold starts").
 */
export async function loadSqs(): Promise<Sqs> {
  return (await import('./sqs.ts')).sqs;
}
