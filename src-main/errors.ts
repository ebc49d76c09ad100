/** An error meant for the user: one line, naming the file or thing at fault. Never shown with a stack. */
export class CamscopeError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CamscopeError';
  }
}

/** First line of an error's message, for one-line reports of library errors. */
export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .trim();
}
