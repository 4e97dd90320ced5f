/** An error answered to the SDK as an AWS JSON 1.1 error (`__type` selects the exception class). */
export class AwsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const validationError = (message: string) => new AwsApiError('ValidationException', message);
export const notFound = (message: string) => new AwsApiError('ResourceNotFoundException', message);
