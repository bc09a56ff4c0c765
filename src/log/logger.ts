// The one way nsguard makes a logger: JSON lines, and errors serialised by errorFields, so that no log
// line anywhere carries an error's unredacted text, its causes or a response body it holds.
import { pino, type DestinationStream, type Logger } from 'pino';
import { errorFields } from './redact.ts';

export function createLogger(level: string, destination: DestinationStream): Logger {
  return pino({ level, base: { app: 'nsguard' }, serializers: { err: errorFields } }, destination);
}
