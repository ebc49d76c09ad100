// The one error type views see from a transport: the channel and a message fit to show the user.
export class TransportError extends Error {
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** A message for the UI from anything thrown, without Electron's "Error invoking remote method 'x': Error:" preamble. */
export function errorMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}

/** Shell connection state, for the banner; transports without a connection are always 'open'. */
export type ConnectionState = 'connecting' | 'open' | 'closed';
