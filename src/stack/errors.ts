// One error type for everything `stack` can fail on, so the CLI prints the message (service, address, log
// file and its last lines) and exits non-zero without a stack trace.

export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}
