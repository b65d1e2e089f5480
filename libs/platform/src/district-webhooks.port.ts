import { z } from 'zod';
import { webhookAnswer, webhookSecretAnswer, webhookTestAnswer } from './api-schemas';

/** The port token of a district's webhooks: the alert service provides it, the web app acts through it. */
export const DISTRICT_WEBHOOKS = Symbol('DistrictWebhooks');

/**
 * What may be done with a district's webhooks, as the API's webhook routes do it: one
 * implementation (the alert service's store and dispatcher) behind the API and the web app alike,
 * so a page registers, rotates, tests and deletes exactly as the API does.
 */
export interface DistrictWebhooks {
  register(districtId: string, body: { url?: unknown; secret?: unknown }): Promise<z.infer<typeof webhookAnswer>>;
  list(districtId: string): Promise<z.infer<typeof webhookAnswer>[]>;
  remove(districtId: string, webhookId: string): Promise<z.infer<typeof webhookAnswer>>;
  rotate(districtId: string, webhookId: string): Promise<z.infer<typeof webhookSecretAnswer>>;
  test(districtId: string, webhookId: string): Promise<z.infer<typeof webhookTestAnswer>>;
}
