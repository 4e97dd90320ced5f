import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PROBLEM_TYPES, type ProblemSlug, problemTypeUri } from './problem-types';
import {
  type ResponseBody,
  type ResponseHeader,
  type ResponseSpec,
  type RouteDoc,
  routeDoc,
} from './route-docs';
import { type RouteSpec, routeSpecs } from './routes';
import { apiSchemaRegistry, LANGUAGE_TAG_PATTERN } from './schemas';

/**
 * Builds the OpenAPI 3.1 document of the API from the route table and the zod schemas.
 * docs/openapi.json is this document, committed (scripts/generate-openapi.ts writes it and a unit
 * test fails when it is stale). It is self-contained: the vendored ninjs 2.2 and GeoJSON schemas
 * are copied into `components.schemas`, so renderers and code generators need no other file.
 */

const readJson = (relative: string) =>
  JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as Record<string, unknown>;

/** The seed article: the submit example (examples/seed-article.json). */
export const SEED_ARTICLE = readJson('../../../examples/seed-article.json');

const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const headerObjects: Record<ResponseHeader, { description: string; schema: { type: 'string' } }> = {
  ETag: {
    description: 'The version number as a strong entity tag, e.g. `"3"`; send it back in `If-Match`.',
    schema: { type: 'string' },
  },
  Location: { description: 'The created resource, e.g. `/v1/items/{id}`.', schema: { type: 'string' } },
  Allow: { description: 'The methods the path supports.', schema: { type: 'string' } },
  'WWW-Authenticate': { description: 'The Bearer challenge (RFC 6750).', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } },
};

const EXAMPLE_ITEM_ID = 'itm_01JD8X0000000000000000000A';

/** The problem type a status answers with, unless the response lists its own (shared/contracts/api/problem-types.ts). */
function problemOfStatus(status: number): ProblemSlug {
  const slug = (Object.keys(PROBLEM_TYPES) as ProblemSlug[]).find((s) => PROBLEM_TYPES[s].status === status);
  if (!slug) throw new Error(`No problem type answers with status ${status}`);
  return slug;
}

function problemExample(slug: ProblemSlug, path: string) {
  const { status, title } = PROBLEM_TYPES[slug];
  return {
    type: problemTypeUri(slug),
    title,
    status,
    detail: PROBLEM_TYPES[slug].when,
    instance: path.replace(
      '{id}',
      path.startsWith('/v1/items') ? EXAMPLE_ITEM_ID : 'sub_01JD8X0000000000000000000B',
    ),
  };
}

function content(
  body: ResponseBody,
  status: number,
  path: string,
  example?: unknown,
  problems?: readonly ProblemSlug[],
) {
  switch (body) {
    case 'Problem': {
      const slugs = problems ?? [problemOfStatus(status)];
      return {
        'application/problem+json': {
          schema: schemaRef('Problem'),
          examples: Object.fromEntries(
            slugs.map((slug) => [
              slug,
              { summary: PROBLEM_TYPES[slug].title, value: problemExample(slug, path) },
            ]),
          ),
        },
      };
    }
    case 'Ninjs':
      return {
        'application/json': { schema: schemaRef('NinjsDocument'), ...(example !== undefined && { example }) },
      };
    case 'NoContent':
      return undefined;
    default:
      return { 'application/json': { schema: schemaRef(body), ...(example !== undefined && { example }) } };
  }
}

/** A receipt for the seed article, as `POST /v1/items` answers it. */
const RECEIPT_EXAMPLE = {
  id: EXAMPLE_ITEM_ID,
  uri: SEED_ARTICLE.uri,
  version: 1,
  pubstatus: 'usable',
  receivedAt: '2026-11-29T09:30:00.000Z',
  release: { state: 'public' },
  warnings: [],
  links: { self: `/v1/items/${EXAMPLE_ITEM_ID}`, versions: `/v1/items/${EXAMPLE_ITEM_ID}/versions` },
};

/** Response examples by body (where one example serves every route answering with it). */
const RESPONSE_EXAMPLES: Partial<Record<ResponseBody, unknown>> = {
  Ninjs: SEED_ARTICLE,
  ItemReceipt: RECEIPT_EXAMPLE,
};

/** Tags group the operations in the rendered reference, by the first path segments. */
export const TAGS = [
  {
    name: 'Items',
    description: 'Submit, correct, retract and read ninjs 2.2 news items and their versions.',
  },
  { name: 'Translations', description: 'Machine translations of items (docs/translation.md).' },
  { name: 'Feed', description: 'The changes a partner may see, in order, with long-polling (docs/feed.md).' },
  {
    name: 'Subscriptions',
    description: 'Webhook subscriptions and their signing secrets (docs/webhooks.md).',
  },
  { name: 'Deliveries', description: 'Webhook deliveries, their attempts, and redelivery.' },
] as const;

function tagOf(path: string): (typeof TAGS)[number]['name'] {
  if (path.includes('/translations/')) return 'Translations';
  if (path.includes('/deliveries')) return 'Deliveries';
  if (path.startsWith('/v1/subscriptions')) return 'Subscriptions';
  if (path.startsWith('/v1/feed')) return 'Feed';
  return 'Items';
}

/** Path parameter patterns: `{id}` by collection, and delivery ids. */
const ID_PATTERNS: Record<string, string> = {
  items: '^itm_[0-9A-HJKMNP-TV-Z]{26}$',
  subscriptions: '^sub_[0-9A-HJKMNP-TV-Z]{26}$',
  deliveryId: '^msg_[0-9a-f]{32}$',
  lang: LANGUAGE_TAG_PATTERN,
};

const PAGINATION_PARAMETERS = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    description: 'Page size, 1 to 100 (default 25).',
    schema: { type: 'integer', minimum: 1, maximum: 100 },
  },
  {
    name: 'cursor',
    in: 'query',
    required: false,
    description: 'The `next` value of the previous page.',
    schema: { type: 'string' },
  },
];

function pathParameters(path: string) {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema:
      name === 'version'
        ? { type: 'integer', minimum: 1 }
        : {
            type: 'string',
            pattern: ID_PATTERNS[name === 'deliveryId' || name === 'lang' ? name : path.split('/')[2]!],
          },
  }));
}

const rateLimited: ResponseSpec = {
  description: "Over the partner's fair share of requests; wait `Retry-After` seconds.",
  body: 'Problem',
  headers: ['Retry-After'],
};

const SEED_EXAMPLE = {
  summary: 'The seed article (Arabic)',
  description: 'A real Arabic diplomatic news item, examples/seed-article.json.',
  value: SEED_ARTICLE,
};

function operation(route: RouteSpec & RouteDoc) {
  const parameters: object[] = pathParameters(route.path);
  if (route.paginated) parameters.push(...PAGINATION_PARAMETERS);
  for (const { name, description, schema } of route.query ?? []) {
    parameters.push({ name, in: 'query', required: false, description, schema });
  }
  if (route.ifMatch) {
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: true,
      description:
        'The ETag of the version being changed, e.g. `"3"` (strong; weak tags and `*` are refused).',
      schema: { type: 'string' },
    });
  }
  // Every route is rate-limited per partner (shared/adapters/http/http-handler.ts).
  const documented = { ...route.responses, 429: route.responses[429] ?? rateLimited };
  const responses = Object.fromEntries(
    Object.entries(documented)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, response]) => {
        const body = content(
          response.body,
          Number(status),
          route.path,
          RESPONSE_EXAMPLES[response.body],
          response.problems,
        );
        return [
          status,
          {
            description: response.description,
            ...(response.headers && {
              headers: Object.fromEntries(response.headers.map((name) => [name, headerObjects[name]])),
            }),
            ...(body && { content: body }),
          },
        ];
      }),
  );
  const ninjsBody = { schema: schemaRef('NinjsDocument'), examples: { seed: SEED_EXAMPLE } };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [tagOf(route.path)],
    'x-diplowire-scope': route.scope,
    ...(parameters.length > 0 && { parameters }),
    ...(route.jsonBody && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schemaRef(route.jsonBody) } },
      },
    }),
    ...(route.ninjsBody && {
      requestBody: {
        required: true,
        content: { 'application/json': ninjsBody },
      },
    }),
    responses,
  };
}

/**
 * A vendored JSON Schema as components: the root under `name`, each `$defs` entry under
 * `name.<def>`, and every `$ref` (local, or to another vendored schema by its `$id`) rewritten
 * to point inside the document.
 */
function hoist(name: string, schema: Record<string, unknown>, externalRefs: Record<string, string>) {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => {
        if (key !== '$ref' || typeof value !== 'string') return [key, rewrite(value)];
        if (value.startsWith('#/$defs/')) return [key, `#/components/schemas/${name}.${value.slice(8)}`];
        const target = externalRefs[value.replace(/#$/, '')];
        if (!target) throw new Error(`${name}: unknown $ref ${value}`);
        return [key, `#/components/schemas/${target}`];
      }),
    );
  };
  const { $schema: _dialect, $id: _id, $comment: _comment, $defs = {}, ...root } = schema;
  return {
    [name]: rewrite(root) as Record<string, unknown>,
    ...Object.fromEntries(
      Object.entries($defs as Record<string, unknown>).map(([def, value]) => [
        `${name}.${def}`,
        rewrite(value) as Record<string, unknown>,
      ]),
    ),
  };
}

/** The ninjs 2.2 schema and the GeoJSON schema it references (the compact, proven-equivalent form). */
function ninjsSchemas() {
  const ninjs = readJson('../ninjs/ninjs-schema_2.2.json');
  const geojson = readJson('../ninjs/GeoJSON-compact.schema.json');
  const hoisted: Record<string, Record<string, unknown>> = {
    ...hoist('Ninjs', ninjs, { [String(geojson.$id)]: 'GeoJSON' }),
    ...hoist('GeoJSON', geojson, {}),
  };
  hoisted.Ninjs = {
    ...hoisted.Ninjs,
    description:
      'A ninjs 2.2 news item (IPTC). Diplowire requires `uri` and `language`, refuses unknown top-level fields and ' +
      '`pubstatus: canceled` (retract with DELETE instead), and normalises text to NFC.',
  };
  return hoisted;
}

function componentSchemas(): Record<string, object> {
  const { schemas } = z.toJSONSchema(apiSchemaRegistry, { uri: (id) => `#/components/schemas/${id}` });
  // Components live inside the OpenAPI document: drop the per-schema dialect and id.
  const components: Record<string, Record<string, unknown>> = Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
  );
  // Every problem type the API emits, each linked to its documentation.
  const problem = components.Problem as { properties: Record<string, Record<string, unknown>> };
  problem.properties.type = {
    ...problem.properties.type,
    description:
      'The problem type: a URI relative to the API whose documentation the API serves at that path. One of:\n\n' +
      (Object.keys(PROBLEM_TYPES) as ProblemSlug[])
        .map(
          (slug) =>
            `- \`${problemTypeUri(slug)}\` (${PROBLEM_TYPES[slug].status}): ${PROBLEM_TYPES[slug].title}`,
        )
        .join('\n'),
    enum: (Object.keys(PROBLEM_TYPES) as ProblemSlug[]).map(problemTypeUri),
  };
  const ninjs = ninjsSchemas();
  return { ...components, NinjsDocument: { $ref: '#/components/schemas/Ninjs' }, ...ninjs };
}

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routeSpecs()) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation({ ...route, ...routeDoc(route.key) });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Diplowire API',
      version: '1.0.0',
      description:
        'Partners submit IPTC ninjs 2.2 news items; every accepted change is an immutable version. ' +
        'Errors are RFC 9457 problem details whose `type` the API documents at that path ' +
        '(e.g. `GET /problems/validation-error`; all of them in docs/problems.md). See docs/api.md.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployed stage: the `ApiUrl` output of the API stack.',
        variables: {
          apiId: { default: 'abcde12345', description: 'The HTTP API id.' },
          region: { default: 'eu-west-1', description: 'The AWS region of the stage.' },
        },
      },
      {
        url: 'http://localhost:{port}',
        description: 'The local cloud (`npm start`).',
        variables: { port: { default: '3000', description: 'The API port (`--port`).' } },
      },
    ],
    tags: [...TAGS],
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'dwk_ followed by 43 characters',
          description:
            'A partner API key: `Authorization: Bearer dwk_...`. Each route needs a scope (`x-diplowire-scope`); ' +
            'operators issue keys with `npm run partners -- create` or `add-key`.',
        },
      },
      schemas: componentSchemas(),
    },
  };
}
