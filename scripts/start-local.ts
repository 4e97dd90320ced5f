/**
 * `npm start`: Diplowire on the local cloud (local/, a separate package it only uses through its public
 * API). Adds what is Diplowire's own: its functions' local settings, a demo partner seeded on the first
 * start, the rendered API reference at the console's /docs, and a banner that submits the seed article.
 */
import { relative, resolve } from 'node:path';
import { type AfterStartContext, type AppAdditions, runLocalCli } from '#local/index.ts';
import { buildApiReference } from './build-api-reference';
import { seedDemoPartner } from './local-demo-partner';

/** The seed article's `uri` (examples/seed-article.json): the banner's example follows it by uri. */
const SEED_URI = 'urn:newsml:example.org:20261129:kuwait-belgium-call';

/** Stack outputs endpoints.json carries under shorter names (the CLIs read them from there). */
const OUTPUT_NAMES = {
  partnersTable: 'PartnersTableName',
  webhooksTable: 'WebhooksTableName',
  itemsTable: 'ItemsTableName',
  eventBusName: 'EventBusName',
} as const;

/**
 * Environment every local function gets on top of its template environment. Translation uses a real
 * Translate-protocol endpoint when one is configured, and records "skipped" otherwise.
 */
function functionEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  const translate = process.env.AWS_ENDPOINT_URL_TRANSLATE;
  env.TRANSLATION_PROVIDER = translate ? 'aws' : 'none';
  if (translate) env.AWS_ENDPOINT_URL_TRANSLATE = translate;
  // Lets developers point webhook subscriptions at receivers on their own machine (http://127.0.0.1:<port>).
  env.WEBHOOKS_ALLOW_LOOPBACK = process.env.WEBHOOKS_ALLOW_LOOPBACK ?? 'true';
  env.WEBHOOKS_REQUIRE_HTTPS = process.env.WEBHOOKS_REQUIRE_HTTPS ?? 'false';
  // Tests compress the retry schedule (e.g. `0,1,2`); unset keeps the Standard Webhooks schedule.
  if (process.env.WEBHOOK_RETRY_SCHEDULE) env.WEBHOOK_RETRY_SCHEDULE = process.env.WEBHOOK_RETRY_SCHEDULE;
  // Tests and the bench lower each partner's share (`<rate>/<burst>`) to provoke 429s.
  if (process.env.PARTNER_RATE_LIMIT) env.PARTNER_RATE_LIMIT = process.env.PARTNER_RATE_LIMIT;
  return env;
}

async function afterStart({ cloud, dataDir, outputs }: AfterStartContext): Promise<AppAdditions> {
  const named = Object.fromEntries(
    Object.entries(OUTPUT_NAMES).flatMap(([key, output]) =>
      typeof outputs[output] === 'string' ? [[key, outputs[output]]] : [],
    ),
  ) as Partial<Record<keyof typeof OUTPUT_NAMES, string>>;
  // The demo partner needs the partners table; an app without one (e.g. a test app) starts without it.
  const demo = named.partnersTable
    ? await seedDemoPartner({
        dataDir,
        dynamodbEndpoint: cloud.endpoints.dynamodb,
        partnersTable: named.partnersTable,
      })
    : undefined;
  // The rendered API reference, built at every start (a copy and two small files) so it follows docs/openapi.json.
  const docsDir = resolve(dataDir, 'docs');
  buildApiReference(docsDir, { servers: [{ url: cloud.endpoints.api, description: 'this local cloud' }] });
  return {
    docsDir,
    endpoints: {
      ...(demo && { demoApiKey: demo.apiKey, demoPartnerId: demo.partnerId }),
      ...named,
      // Every stack's outputs, as CloudFormation's DescribeStacks gives them on AWS: `npm run ops -- --local`
      // resolves its resources from these exactly as it does from a deployed stage.
      stackOutputs: cloud.outputs,
    },
    ...(demo && { consoleApiKey: { apiKey: demo.apiKey, partnerId: demo.partnerId } }),
    banner: demo
      ? [
          `  Demo partner  ${demo.partnerId}${demo.created ? ' (created now)' : ''}`,
          `  Demo API key  ${demo.apiKey}`,
          '',
          '  Try it: submit the seed article, then follow it through the pipeline in the console:',
          '',
          `  curl -sS -X POST ${cloud.endpoints.api}/v1/items \\`,
          `    -H "Authorization: Bearer ${demo.apiKey}" \\`,
          `    -H 'Content-Type: application/json' --data-binary @${seedPath()}`,
          `  open {console}/#/flow?uri=${encodeURIComponent(SEED_URI)}`,
        ]
      : ['  (no PartnersTableName output: no demo partner)'],
  };
}

function seedPath(): string {
  const path = relative(process.cwd(), resolve(import.meta.dirname, '..', 'examples', 'seed-article.json'));
  return path.startsWith('..') ? resolve(path) : path;
}

runLocalCli({
  title: 'Diplowire local cloud',
  command: 'npm start --',
  environmentHelp: [
    'AWS_ENDPOINT_URL_TRANSLATE  a Translate-protocol endpoint for the translator (unset: translations are "skipped")',
    'WEBHOOKS_ALLOW_LOOPBACK     let subscriptions target 127.0.0.1/localhost (default true locally)',
    'WEBHOOKS_REQUIRE_HTTPS      refuse http:// subscription URLs (default false locally)',
    'WEBHOOK_RETRY_SCHEDULE      webhook retry delays in seconds, e.g. 0,1,2 (default: the Standard Webhooks schedule)',
    "PARTNER_RATE_LIMIT          each partner's share of the API, <rate>/<burst>, shared by every API function (default: the template's)",
    'DIPLOWIRE_LOCAL_DIR         data directory the partners and ops CLIs read endpoints.json from (default .local)',
  ],
  functionEnv: functionEnvironment,
  afterStart,
});
