/** SQS's checks of a request's values, with SQS's error codes and messages. */
import { SqsError } from './errors';
import type { MessageAttributeValue } from './md5';

/** Characters SQS accepts in a message body (XML 1.0 character ranges). */
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SqsError(
      'InvalidParameterValue',
      `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  }
}

/** A body SQS accepts: present, valid characters, and (with its attributes) under the queue's size limit. */
export function validateBody(
  body: unknown,
  maximumMessageSize: number,
  attributes: Record<string, MessageAttributeValue> | undefined,
): void {
  if (typeof body !== 'string' || body.length === 0) {
    throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (INVALID_BODY_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (!value?.DataType) {
      throw new SqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty data type.`,
      );
    }
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += value.BinaryValue
      ? Buffer.from(value.BinaryValue, 'base64').length
      : Buffer.byteLength(value.StringValue ?? '');
  }
  if (size > maximumMessageSize) {
    throw new SqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`,
    );
  }
}
