import { loadConfig } from '@turnaround/platform';

describe('WEBHOOK_ALLOWED_HOSTS: each host with the one port webhooks may reach it on', () => {
  it('reads host or host:port, 443 when no port is given, IPv6 in brackets', () => {
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: 'Hooks.District.Example, 10.0.0.5:8443,[fd00::5]:80,[::1],hooks.example:443' }).webhookAllowedHosts).toEqual([
      { host: 'hooks.district.example', port: 443 },
      { host: '10.0.0.5', port: 8443 },
      { host: '[fd00::5]', port: 80 },
      { host: '[::1]', port: 443 },
      { host: 'hooks.example', port: 443 },
    ]);
    expect(loadConfig({}).webhookAllowedHosts).toEqual([]);
  });

  it.each(['https://hooks.example', 'hooks.example/path', 'hooks.example:0', 'hooks.example:', 'hooks.example:99999', '::1', '2130706433', ''])(
    'refuses %p, naming the variable',
    (entry) => {
      expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: `a.example,${entry}` })).toThrow(
        /^WEBHOOK_ALLOWED_HOSTS: expected host names or IP addresses, each with its port when not 443/,
      );
    },
  );
});
