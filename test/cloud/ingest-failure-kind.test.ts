import { describe, expect, it } from 'vitest';
import { type FailureKind, failureKind } from '../../cloud/ingest/failure-kind.ts';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('why storing a message failed decides between a dead letter and retrying', () => {
  it.each<[string, unknown, FailureKind]>([
    ['NUL in jsonb (22P05)', withCode('22P05'), 'data'],
    ['an integer out of range (22003)', withCode('22003'), 'data'],
    ['the server shutting down (57P01)', withCode('57P01'), 'unavailable'],
    ['a database not accepting connections (55000)', withCode('55000'), 'unavailable'],
    ['a connection failure (08006)', withCode('08006'), 'unavailable'],
    ['a full disk (53100)', withCode('53100'), 'unavailable'],
    ['a deadlock (40P01)', withCode('40P01'), 'unavailable'],
    ['a read-only standby after failover (25006)', withCode('25006'), 'unavailable'],
    ['a column the code expects but the schema lacks (42703)', withCode('42703'), 'unavailable'],
    ['a refused TCP connection', withCode('ECONNREFUSED'), 'unavailable'],
    ['a reset connection', withCode('ECONNRESET'), 'unavailable'],
    ['a unique violation the code did not expect (23505)', withCode('23505'), 'unknown'],
    ['an exception raised by a trigger (P0001)', withCode('P0001'), 'unknown'],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')"), 'unknown'],
    ['a pool error without a code', new Error('Connection terminated unexpectedly'), 'unknown'],
    ['something thrown that is not an Error', 'oops', 'unknown'],
    ['undefined', undefined, 'unknown'],
  ])('%s: %s', (_, error, kind) => {
    expect(failureKind(error)).toBe(kind);
  });
});
