import { waitUntil } from './wait-until';

describe('waitUntil', () => {
  afterEach(() => jest.useRealTimers());

  it('reads again until the check passes, and returns the value that passed', async () => {
    let reads = 0;
    expect(
      await waitUntil(
        () => ++reads,
        (value) => expect(value).toBe(3),
      ),
    ).toBe(3);
  });

  it("throws the check's own failure once the time is up", async () => {
    await expect(
      waitUntil(
        async () => 'late',
        (value) => expect(value).toBe('on time'),
        200,
      ),
    ).rejects.toMatchObject({
      matcherResult: { actual: 'late', expected: 'on time' },
    });
  });

  it('keeps its deadline in a suite that fakes the clock', async () => {
    jest.useFakeTimers();
    await expect(
      waitUntil(
        () => 1,
        (value) => expect(value).toBe(2),
        200,
      ),
    ).rejects.toMatchObject({ matcherResult: { actual: 1, expected: 2 } });
  });
});
