import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '@turnaround/all-in-one';
import { DEMO_EMAIL_RECIPIENTS, DEMO_PEOPLE, DEMO_REPORT_CARDS, loadDemoZone } from '@turnaround/demo';
import { ManualClock, manualClock, roleName } from '@turnaround/domain';
import { ApiKeys, DISTRICT_EMAIL, DistrictEmail, loadConfig, ReadModelRunner, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';

/**
 * `turnaround demo`: the embedded default with the demo zone loaded, served on PORT. The
 * service's clock stands on each push's simulated date while it loads, so the history is known
 * on the dates the demo simulates (`--as-of` works on it); then it follows the machine's again.
 */
export async function demo(options: { serve: boolean }): Promise<number> {
  const config = loadConfig();
  const clock = manualClock();
  const app = await createApp(config, { logger: false, clock });
  await app.listen(config.port, config.host);
  let base: string;
  let stateKey: string;
  try {
    ({ base, stateKey } = await loadInto(app, clock, config.bootstrapKey));
  } catch (error) {
    // A demo that could not load must not leave the service it started running.
    await app.close();
    throw error;
  }
  if (!options.serve) {
    await app.close();
    return 0;
  }
  process.stdout.write(
    [
      `serving on ${base} (API docs at ${base}/api/docs); a state API key: ${stateKey}`,
      'try:',
      `  curl -H 'authorization: Bearer ${stateKey}' ${base}/api/v1/contracts/K-RIVER/scorecard`,
      `  curl -H 'authorization: Bearer ${stateKey}' '${base}/api/v1/alerts?districtId=D-WEST&status=open'`,
      `  curl -H 'authorization: Bearer ${stateKey}' '${base}/api/v1/zones/Z-DEMO/metrics?year=2025-26'`,
      '',
    ].join('\n'),
  );
  app.enableShutdownHooks();
  return 0;
}

/** Loads the demo zone into the started `app`, issues a key to each demo person, and prints them; its address and the state key. */
async function loadInto(app: NestExpressApplication, clock: ManualClock, bootstrapKey: string | undefined): Promise<{ base: string; stateKey: string }> {
  // The port it listens on (PORT=0 takes a free one), reached over loopback whatever HOST says.
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const stateKey = bootstrapKey ?? (await app.get(ApiKeys).issue({ kind: 'state' }, 'demo')).key;
  await loadDemoZone(base, stateKey, { clock, log: (line) => process.stdout.write(`${line}\n`), afterRegistry: () => addDemoEmails(app) });
  // The result is shown once the read side has caught up, and the alerts it raised are stored.
  await app.get(ReadModelRunner).settled();
  clock.resume();
  const sql = app.get<SqlClient>(SQL_CLIENT);
  const alerts = await sql.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM alerts GROUP BY status ORDER BY status');
  process.stdout.write(`demo zone Z-DEMO loaded; alerts: ${alerts.map((row) => `${row.count} ${row.status}`).join(', ')}\n`);
  // A key for each demo person: the web app takes a person's key, never the bootstrap key.
  const keys = app.get(ApiKeys);
  const people = [];
  for (const person of DEMO_PEOPLE) people.push({ ...person, key: (await keys.issue(person.role, person.name)).key });
  process.stdout.write(
    [
      `open ${base} and sign in with the key of one of the demo's people:`,
      ...people.map(({ role, name, work, key }) => `  ${roleName(role).padEnd(18)} ${key}  ${name}: ${work}`),
      `anyone reads the public zone report cards without signing in: ${base}${DEMO_REPORT_CARDS.list} (the demo zone's: ${base}${DEMO_REPORT_CARDS.zone})`,
      '',
    ].join('\n'),
  );
  return { base, stateKey };
}

/**
 * Each demo district's address for its alert emails, confirmed by its own link as its owner
 * would; one already there is left as it is. With SMTP_URL unset nothing is sent: the district's
 * settings page (`/inbox/email`) shows what would go.
 */
async function addDemoEmails(app: NestExpressApplication): Promise<void> {
  const email = app.get<DistrictEmail>(DISTRICT_EMAIL);
  for (const { districtId, body } of DEMO_EMAIL_RECIPIENTS) {
    const listed = (await email.list(districtId)).find((recipient) => recipient.address === body.address);
    const recipient = listed ?? (await email.add(districtId, body));
    await email.confirm(new URL(email.links(recipient.recipientId).confirm).searchParams.get('token'));
  }
}
