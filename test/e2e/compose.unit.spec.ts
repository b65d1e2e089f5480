import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// docker compose cannot run on this project's machines or CI: this reads the files it would use
// and checks what a review found wrong there. What only a running stack shows is in the README.

interface HealthCheck {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
}

interface ComposeService {
  image?: string;
  restart?: string;
  environment?: Record<string, string | number>;
  volumes?: string[];
  healthcheck?: HealthCheck;
  depends_on?: Record<string, { condition: string }>;
}

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const datasources = parse(readFileSync(join(root, 'infra/grafana/provisioning/datasources/turnaround.yaml'), 'utf8')) as {
  datasources: { jsonData: { postgresVersion: number } }[];
};

/** The container path a named volume is mounted at, in one service. */
function namedVolumeMounts(service: ComposeService): Map<string, string> {
  return new Map(
    (service.volumes ?? [])
      .map((volume) => volume.split(':'))
      .filter(([source]) => source in (compose.volumes ?? {}))
      .map(([source, target]) => [target, source]),
  );
}

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('keeps every stateful service in a named volume, Kafka log directory included', () => {
    const expected: Record<string, string> = {
      kurrentdb: '/var/lib/kurrentdb',
      kafka: '/var/lib/kafka/data',
      timescaledb: '/var/lib/postgresql/data',
      grafana: '/var/lib/grafana',
    };
    for (const [name, path] of Object.entries(expected))
      expect([name, [...namedVolumeMounts(services[name]).keys()]]).toEqual([name, expect.arrayContaining([path])]);
    // Configured by environment, the broker writes to /tmp/kafka-logs unless told otherwise.
    const logDirs = String(services.kafka.environment?.KAFKA_LOG_DIRS ?? '/tmp/kafka-logs').split(',');
    const mounted = [...namedVolumeMounts(services.kafka).keys()];
    for (const dir of logDirs) expect([dir, mounted.some((target) => dir === target || dir.startsWith(`${target}/`))]).toEqual([dir, true]);
  });

  it('restarts every service that exits', () => {
    for (const [name, service] of Object.entries(services))
      expect([name, service.restart]).toEqual([name, expect.stringMatching(/^(always|unless-stopped|on-failure(:\d+)?)$/)]);
  });

  it('gives every service a health check with an interval, a timeout and retries', () => {
    for (const [name, service] of Object.entries(services))
      expect([name, service.healthcheck]).toEqual([
        name,
        expect.objectContaining({ test: expect.any(Array), interval: expect.any(String), timeout: expect.any(String), retries: expect.any(Number) }),
      ]);
  });

  it("checks the database over TCP, which the image's init phase does not listen on", () => {
    const test = services.timescaledb.healthcheck?.test.join(' ') ?? '';
    expect(test).toMatch(/pg_isready\b.*\s-h\s+(127\.0\.0\.1|localhost)\b/);
  });

  it('starts the services once their stores are healthy, and Grafana once the services are', () => {
    const healthy = { condition: 'service_healthy' };
    expect(services.turnaround.depends_on).toEqual({ kurrentdb: healthy, kafka: healthy, timescaledb: healthy });
    expect(services.grafana.depends_on).toEqual({ timescaledb: healthy, turnaround: healthy });
  });
});

describe('Grafana datasource provisioning', () => {
  it("names a PostgreSQL version that Grafana 11.3's version picker lists", () => {
    // the `postgresVersions` of PostgresConfigEditor in Grafana's PostgreSQL datasource plugin
    const picker = [900, 901, 902, 903, 904, 905, 906, 1000, 1100, 1200, 1300, 1400, 1500];
    for (const { jsonData } of datasources.datasources) expect(picker).toContain(jsonData.postgresVersion);
  });
});
