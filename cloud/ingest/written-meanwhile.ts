/**
 * Another transaction (another cloud instance given the same redelivered messages, or the other
 * camera's events of one edge incident) stored some of the batch's events or edge incidents after
 * this one found them absent: what this one decided would count them twice, so it is rolled back
 * and the batch written again at once, when they will be found stored. SQLSTATE 40001 (a
 * serialisation failure) says the same to a caller that looks only at the code (failure-kind.ts).
 */
export class WrittenMeanwhile extends Error {
  readonly code = '40001';
  constructor(count: number, what: 'event' | 'edge incident') {
    super(`${count} ${what}(s) of the batch were stored by another transaction meanwhile`);
    this.name = 'WrittenMeanwhile';
  }
}
