import { DEFAULT_FEED_CADENCES, ValidationError } from '@turnaround/domain';
import { loadConfig } from '@turnaround/platform';

describe('configuration: the address the service listens on', () => {
  it('listens on loopback unless HOST opens it, and names HOST when it is not an address', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(() => loadConfig({ HOST: 'everywhere' })).toThrow(
      ValidationError.of('HOST', "expected an IP address to listen on (127.0.0.1, 0.0.0.0, ::), got 'everywhere'"),
    );
  });
});

describe('configuration: the feed cadences of data coverage', () => {
  it('watches attendance, staffing and the state test by default, and not the indicators', () => {
    expect(loadConfig({}).feedCadences).toEqual(DEFAULT_FEED_CADENCES);
    expect(loadConfig({}).feedCadences.indicators).toBeUndefined();
  });

  it('takes a feed cadence from CADENCE_<FEED>, and stops watching a feed set to none', () => {
    const { feedCadences } = loadConfig({ CADENCE_INDICATORS: '6:120', CADENCE_STAFFING: 'none', CADENCE_ATTENDANCE: '9,10,11,12,1,2,3,4,5,6:5' });
    expect(feedCadences).toEqual({
      attendance: { months: [9, 10, 11, 12, 1, 2, 3, 4, 5, 6], graceDays: 5 },
      assessment: DEFAULT_FEED_CADENCES.assessment,
      indicators: { months: [6], graceDays: 120 },
    });
  });

  it('names the variable and the form it expects', () => {
    expect(() => loadConfig({ CADENCE_STAFFING: 'october' })).toThrow(
      ValidationError.of(
        'CADENCE_STAFFING',
        "expected the months it is due in (1-12, each once, comma-separated), a colon and the days of grace, e.g. 10,6:30; got 'october'",
      ),
    );
  });
});
