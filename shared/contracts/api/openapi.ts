import { z } from 'zod';
import { type ResponseBody, type ResponseHeader, type RouteDoc, routeDoc } from './route-docs';
import { type RouteSpec, routeSpecs } from './routes';
import { apiSchemaRegistry, LANGUAGE_TAG_PATTERN } from './schemas';

/**
 * Builds the OpenAPI 3.1 document of the API from the route table and the zod schemas.
 * docs/openapi.json is this document, committed (scripts/generate-openapi.ts writes it and a unit
 * test fails when it is stale).
 */

/** Relative to docs/openapi.json, where the document is committed. */
export const NINJS_SCHEMA_REF = '../shared/contracts/ninjs/ninjs-schema_2.2.json';

const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const headerObjects: Record<ResponseHeader, { description: string; schema: { type: 'string' } }> = {
  ETag: {
    description: 'The version number as a strong entity tag, e.g. `"3"`; send it back in `If-Match`.',
    schema: { type: 'string' },
  },
  Location: { description: 'The created resource, e.g. `/v1/items/{id}`.', schema: { type: 'string' } },
  Allow: { description: 'The methods the path supports.', schema: { type: 'string' } },
  'WWW-Authenticate': { description: 'The Bearer challenge (RFC 6750).', schema: { type: 'string' } },
};

function content(body: ResponseBody) {
  switch (body) {
    case 'Problem':
      return { 'application/problem+json': { schema: schemaRef('Problem') } };
    case 'Ninjs':
      return { 'application/json': { schema: schemaRef('NinjsDocument') } };
    case 'NoContent':
      return undefined;
    default:
      return { 'application/json': { schema: schemaRef(body) } };
  }
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
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => [
      status,
      {
        description: response.description,
        ...(response.headers && {
          headers: Object.fromEntries(response.headers.map((name) => [name, headerObjects[name]])),
        }),
        ...(content(response.body) && { content: content(response.body) }),
      },
    ]),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
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
        content: { 'application/json': { schema: schemaRef('NinjsDocument') } },
      },
    }),
    responses,
  };
}

function componentSchemas(): Record<string, object> {
  const { schemas } = z.toJSONSchema(apiSchemaRegistry, { uri: (id) => `#/components/schemas/${id}` });
  // Components live inside the OpenAPI document: drop the per-schema dialect and id.
  const components = Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
  );
  return {
    ...components,
    NinjsDocument: {
      description:
        'A ninjs 2.2 news item. Diplowire requires `uri` and `language`, refuses unknown top-level fields and ' +
        '`pubstatus: canceled` (retract with DELETE instead), and normalises text to NFC.',
      $ref: NINJS_SCHEMA_REF,
    },
  };
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
        'Errors are RFC 9457 problem details. See docs/api.md.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A partner API key: `Authorization: Bearer dwk_...`.',
        },
      },
      schemas: componentSchemas(),
    },
  };
}
