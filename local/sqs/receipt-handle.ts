/**
 * Receipt handles: the queue, the message and a nonce that changes on every receive, so only the latest
 * receive may delete the message or change its visibility.
 */
import { SqsError } from './errors';
import type { StoredMessage } from './model';

export function receiptHandleOf(queueName: string, message: StoredMessage): string {
  return Buffer.from(JSON.stringify([queueName, message.messageId, message.receiptNonce])).toString(
    'base64url',
  );
}

export function parseReceiptHandle(
  queueName: string,
  receiptHandle: string,
): { messageId: string; nonce: string } {
  const invalid = () =>
    new SqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(receiptHandle, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== queueName) throw invalid();
  return { messageId: String(parsed[1]), nonce: String(parsed[2]) };
}
