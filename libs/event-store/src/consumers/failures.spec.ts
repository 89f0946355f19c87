import { isTransient } from './failures';

/** A Postgres error as TypeORM hands it over: the SQLSTATE on the driver's error. */
const postgres = (code: string) => Object.assign(new Error(`query failed (${code})`), { driverError: { code } });

describe('whose failure it is', () => {
  it.each([
    ['08006', 'the connection broke'],
    ['28P01', 'the login was refused (a password rotated on one side only)'],
    ['53300', 'too many connections'],
    ['57P01', 'an administrator shut the server down'],
    ['40P01', 'a deadlock'],
    ['25006', 'the database is read-only (a standby not yet promoted)'],
    ['42501', 'privileges were taken away'],
    ['42P01', 'a table is not created yet'],
  ])("is a dependency's on %s: %s, so the line waits and parks nothing", (code) => {
    expect(isTransient(postgres(code))).toBe(true);
  });

  it.each([
    ['22P05', 'text Postgres cannot store'],
    ['22P02', 'a value of the wrong form'],
    ['23505', 'a duplicate key'],
    ['23502', 'a missing value'],
  ])("is the commit's own on %s: %s, so it is parked after its tries", (code) => {
    expect(isTransient(postgres(code))).toBe(false);
  });

  it.each([
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN postgres', "the DNS server did not answer for the database's host name"],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND postgres', 'the host name does not resolve (a Service being replaced)'],
    ['ENETUNREACH', 'connect ENETUNREACH 10.0.0.7:5432', 'no route to the network'],
    ['EPIPE', 'write EPIPE', 'the socket was closed under a write (a code as long as a SQLSTATE)'],
  ])("is a dependency's on %s: %s (%s)", (code, message) => {
    // As Node's sockets and resolver fail a connection (the code beside the message), and as the pool hands it on.
    expect(isTransient(Object.assign(new Error(message), { code }))).toBe(true);
  });

  it("is a dependency's when TypeORM finds the transaction's connection released (Postgres ended its session)", () => {
    // What a query meets after Postgres ended the session under it, e.g. an instance paused in a transaction past
    // idle_in_transaction_session_timeout and woken again.
    const released = Object.assign(
      new Error(
        'Database connection provided by a query runner was already released, cannot continue to use its querying methods anymore.',
      ),
      { name: 'QueryRunnerProviderAlreadyReleasedError' },
    );
    expect(isTransient(released)).toBe(true);
  });
});
