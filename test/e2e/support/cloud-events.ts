import { AlertMessageData } from '@turnaround/platform';

/** Each alert event's CloudEvents type under the default prefix, written out by hand rather than taken from the code under test. */
const TYPES: Record<string, string> = {
  OffTrackAlertRaised: 'gov.state.turnaround.alert.raised',
  OffTrackAlertAcknowledged: 'gov.state.turnaround.alert.acknowledged',
  OffTrackAlertResolved: 'gov.state.turnaround.alert.resolved',
  OffTrackAlertReopened: 'gov.state.turnaround.alert.reopened',
};

/**
 * The CloudEvent attributes of an alert message as a service on the test configuration sends it
 * (no PUBLIC_URL, no CLOUDEVENTS_* settings): the id, subject and time are the data's own.
 */
export function expectedAlertAttributes(data: (Pick<AlertMessageData, 'eventId' | 'alertId' | 'recordedAt'> & { type: string }) | undefined) {
  return {
    specversion: '1.0',
    id: data?.eventId,
    source: 'http://localhost:3000/api/v1/alerts',
    type: data ? TYPES[data.type] : undefined,
    subject: data?.alertId,
    time: data?.recordedAt,
    datacontenttype: 'application/json',
  };
}
