/** One address for each demo district's alert emails: with SMTP_URL unset, the settings page shows what would be sent to it. */
export const DEMO_EMAIL_RECIPIENTS: readonly { districtId: string; body: { address: string; delivery: 'immediate' | 'digest'; digestHour?: number } }[] = [
  { districtId: 'D-WEST', body: { address: 'turnaround-lead@d-west.example', delivery: 'immediate' } },
  { districtId: 'D-EAST', body: { address: 'turnaround-office@d-east.example', delivery: 'digest', digestHour: 7 } },
];
