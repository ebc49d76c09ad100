/** An error meant for the user: one line, naming the file or thing at fault. Never shown with a stack. */
export class CamscopeError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CamscopeError';
  }
}
