import { z } from 'zod';

/**
 * Response bodies of the Diplowire API. These zod schemas are the single source: handlers are
 * typed from them, and docs/openapi.json is generated from them (scripts/generate-openapi.ts).
 */

/** The API's own registry, so schemas registered elsewhere (events, ...) never leak into the OpenAPI document. */
export const apiSchemaRegistry = z.registry<{ id: string; description?: string }>();

export const Pubstatus = z
  .enum(['usable', 'withheld', 'canceled'])
  .register(apiSchemaRegistry, { id: 'Pubstatus' });

export const ItemWarning = z
  .object({
    pointer: z.string().describe('RFC 6901 JSON pointer to the field that was changed.'),
    code: z.literal('bidi-control-removed'),
    message: z.string(),
  })
  .register(apiSchemaRegistry, {
    id: 'ItemWarning',
    description: 'A change Diplowire made to the submitted document while normalising it.',
  });

export const ItemLinks = z
  .object({
    self: z.string().describe('The item: GET it for the latest version.'),
    versions: z.string().describe('The list of all versions of the item.'),
  })
  .register(apiSchemaRegistry, { id: 'ItemLinks' });

export const ItemReceipt = z
  .object({
    id: z.string().describe('Opaque item id, `itm_` + 26 Crockford base32 characters.'),
    uri: z.string().describe('The partner-assigned ninjs uri; unique per partner.'),
    version: z.int().min(1).describe('The item version this response refers to; also the ETag.'),
    pubstatus: Pubstatus,
    receivedAt: z.iso.datetime().describe('When Diplowire accepted this version (UTC).'),
    warnings: z.array(ItemWarning),
    links: ItemLinks,
  })
  .register(apiSchemaRegistry, {
    id: 'ItemReceipt',
    description: 'Acknowledges a submission, correction or retraction.',
  });

export const VersionListEntry = z
  .object({
    version: z.int().min(1),
    pubstatus: Pubstatus,
    receivedAt: z.iso.datetime(),
    links: z.object({ self: z.string() }),
  })
  .register(apiSchemaRegistry, { id: 'VersionListEntry' });

export const VersionList = z
  .object({
    itemId: z.string(),
    versions: z.array(VersionListEntry).describe('Oldest first.'),
  })
  .register(apiSchemaRegistry, { id: 'VersionList' });

export const FieldError = z
  .object({
    pointer: z.string().describe('RFC 6901 JSON pointer into the request body.'),
    message: z.string(),
  })
  .register(apiSchemaRegistry, { id: 'FieldError' });

/** RFC 9457 problem details; extension members (e.g. `itemId` on a conflict) may be present. */
export const Problem = z
  .looseObject({
    type: z.string().describe('`/problems/<slug>`'),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string().optional().describe('The request path.'),
    errors: z.array(FieldError).optional(),
  })
  .register(apiSchemaRegistry, {
    id: 'Problem',
    description: 'RFC 9457 problem details (application/problem+json).',
  });

export type ItemReceipt = z.infer<typeof ItemReceipt>;
export type VersionList = z.infer<typeof VersionList>;
export type Problem = z.infer<typeof Problem>;
