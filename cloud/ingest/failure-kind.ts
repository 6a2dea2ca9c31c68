/**
 * Why storing a message failed, which decides what ingest does with it:
 * - `data`: the database refuses the message's own data (SQLSTATE class 22: bad encoding, a value
 *   out of range). Retrying cannot help: dead-letter it at once.
 * - `unavailable`: the database, or the way to it, is not there or not as the code expects
 *   (connection lost or refused, shutting down, out of disk or connections, deadlock, a failover's
 *   read-only state, schema or permissions). Retry for as long as it takes: nothing is
 *   acknowledged before it is committed, so nothing is lost.
 * - `unknown`: anything else (a TypeError, a constraint the code did not expect). It may be about
 *   this message or about the moment: retried a few times while the database answers, then
 *   dead-lettered, so that one poison message cannot hold the stream for good.
 */
export type FailureKind = 'data' | 'unavailable' | 'unknown';

/**
 * SQLSTATE classes of a database that cannot take the write now, whatever the message:
 * 08 connection, 25 transaction state (read-only), 28 authorisation, 3D catalogue, 40 rollback
 * (deadlock, serialisation), 42 schema or privileges, 53 resources, 55 object state (locks, a
 * database not accepting connections), 57 operator intervention, 58 system, XX internal.
 */
const UNAVAILABLE_CLASSES = new Set(['08', '25', '28', '3D', '40', '42', '53', '55', '57', '58', 'XX']);

export function failureKind(error: unknown): FailureKind {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return 'unknown';
  // Node's system errors from the socket: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, ENOTFOUND…
  if (/^E[A-Z]+$/.test(code)) return 'unavailable';
  if (!/^[0-9A-Z]{5}$/.test(code)) return 'unknown';
  const sqlClass = code.slice(0, 2);
  if (sqlClass === '22') return 'data';
  return UNAVAILABLE_CLASSES.has(sqlClass) ? 'unavailable' : 'unknown';
}
