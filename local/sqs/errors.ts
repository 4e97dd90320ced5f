/** A typed SQS error; `code` is the modelled shape name, `queryCode` the legacy code the SDK also understands. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly queryCode: string = code,
    readonly status = 400,
    readonly senderFault = true,
  ) {
    super(message);
    this.name = code;
  }
}

export const queueDoesNotExist = () =>
  new SqsError(
    'QueueDoesNotExist',
    'The specified queue does not exist.',
    'AWS.SimpleQueueService.NonExistentQueue',
  );
