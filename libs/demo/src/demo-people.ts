import { Role } from '@turnaround/domain';

/** A person of the demo zone, to sign in to the web app as: a key is issued to each. */
export interface DemoPerson {
  role: Role;
  name: string;
  /** What that person does in the web app, as the demo prints it. */
  work: string;
}

/** One person for each role that signs in, on the demo zone's districts and partners. */
export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { role: { kind: 'state' }, name: 'Dana Reyes, State Turnaround Office', work: 'every zone, cluster, contract, school and alert; renewal decisions' },
  {
    role: { kind: 'district', districtId: 'D-WEST' },
    name: 'Sam Okafor, D-WEST turnaround lead',
    work: "its own schools' scorecards and alerts: acknowledge them; its webhooks",
  },
  { role: { kind: 'partner', partnerId: 'P-RENEW' }, name: 'Lee Park, Renew Schools Partnership', work: "its contracts' scorecards before a board meeting" },
  { role: { kind: 'data-team' }, name: 'Ari Cohen, state data team', work: 'upload feed files, fix rejected rows, watch coverage' },
  { role: { kind: 'researcher' }, name: 'Jo Nguyen, research partner', work: 'panels as known on a date, proof points' },
];

/** The public zone report cards (the web's `/report-card`), which anyone reads without signing in; the demo prints their address beside the people's keys. */
export const DEMO_REPORT_CARDS = { list: '/report-card', zone: '/report-card/Z-DEMO' } as const;
