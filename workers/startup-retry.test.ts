import { describe, expect, it } from '@jest/globals';
import { retryStartup } from './startup-retry.js';

describe('retryStartup', () => {
  it('retries with doubling waits, capped, until the attempt succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await retryStartup(
      'connecting',
      async () => {
        calls += 1;
        if (calls < 6) throw new Error('connection refused');
        return 'up';
      },
      { initialDelayMs: 100, maxDelayMs: 1000, sleep: async (ms) => void waits.push(ms) }
    );
    expect(value).toBe('up');
    expect(waits).toEqual([100, 200, 400, 800, 1000]);
  });

  it('gives up after its deadline with the last error', async () => {
    await expect(
      retryStartup(
        'connecting to Temporal',
        async () => {
          throw new Error('connection refused');
        },
        { deadlineMs: 0, sleep: async () => undefined }
      )
    ).rejects.toThrow('connecting to Temporal: still failing after 1 attempts: connection refused');
  });
});
