import { setTimeout as sleep } from 'node:timers/promises';

/**
 * While a JetStream cluster elects leaders (a node killed, or one rejoining and catching up), its API does not
 * answer; an answer that is only late is not a finding, so ask again, for up to a minute.
 */
export async function askAgain<T>(what: string, ask: () => Promise<T | undefined>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 60; attempt++) {
    const answer = await ask().catch((err: unknown) => {
      lastError = err;
      return undefined;
    });
    if (answer !== undefined) return answer;
    await sleep(1_000);
  }
  throw new Error(`${what}: no answer within a minute (${lastError ?? 'none given'})`);
}
