import { createHash } from 'node:crypto';

/** A message (or system) attribute as the SQS JSON protocol carries it; `BinaryValue` is base64. */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
  StringListValues?: string[];
  BinaryListValues?: string[];
}

/** MD5 (hex) of the UTF-8 body, which the AWS SDK checks on SendMessage and ReceiveMessage. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/**
 * MD5 of message attributes exactly as SQS computes it: for every attribute, sorted by name, the length-prefixed
 * (4-byte big-endian) name and data type, one transport byte (1 = String/Number, 2 = Binary) and the
 * length-prefixed value bytes. `undefined` for no attributes (SQS then omits the field).
 */
export function md5OfMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): string | undefined {
  const names = Object.keys(attributes ?? {}).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const attribute = attributes![name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.DataType.startsWith('Binary')) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(attribute.BinaryValue ?? '', 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
