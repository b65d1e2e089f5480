import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventStore, LogFollower } from '@turnaround/event-store';
import { EVENT_STORE, LogFollowers } from '@turnaround/platform';
import { EmailDispatcher } from './email-dispatcher';
import { emailOutbox } from './email-outbox.reaction';
import { EmailStore } from './email-store';

/**
 * Alert emails: the outbox, filled from the log, and its dispatcher, started only when a relay
 * is configured (SMTP_URL). Without one, messages wait in the outbox and nothing is sent.
 */
@Injectable()
export class EmailDelivery implements OnModuleInit, OnModuleDestroy {
  private readonly outbox: LogFollower;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    email: EmailStore,
    runners: LogFollowers,
    @Inject(EmailDispatcher) private readonly dispatcher: EmailDispatcher | null,
  ) {
    this.outbox = runners.create(emailOutbox(store, email));
  }

  async onModuleInit(): Promise<void> {
    await this.outbox.start();
    this.dispatcher?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher?.stop();
    await this.outbox.stop();
  }
}
