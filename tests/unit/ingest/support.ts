import { expect } from 'vitest';
import { type DiplowireError, type FieldError, ValidationError } from '#shared/domain/errors.ts';
import { prepareSubmission } from '#shared/domain/ingest/index.ts';
import type { PreparedItem } from '#shared/domain/item.ts';

/** A small item that satisfies the official schema and the Diplowire profile. */
export function validItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uri: 'urn:diplowire:test:item-1',
    language: 'ar',
    headlines: [{ value: 'عنوان الخبر' }],
    bodies: [{ value: 'نص الخبر' }],
    ...overrides,
  };
}

export function submitJson(json: string, contentType = 'application/json'): PreparedItem {
  return prepareSubmission({ body: json, isBase64Encoded: false, contentType });
}

export function submit(document: unknown): PreparedItem {
  return submitJson(JSON.stringify(document));
}

/** Runs `action`, asserts it throws a DiplowireError of `type`, and returns the error. */
export function thrownBy<T extends DiplowireError>(
  action: () => unknown,
  type: new (...args: never[]) => T,
): T {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

/** The field errors of the ValidationError that `action` throws. */
export function fieldErrorsOf(action: () => unknown): FieldError[] {
  return thrownBy(action, ValidationError).errors ?? [];
}

export function pointersOf(errors: FieldError[]): string[] {
  return errors.map((error) => error.pointer);
}
