import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

/** The alerting service, the alerts read model and the alert API (DESIGN.md section 7). */
@Module({ controllers: [AlertsController], providers: [AlertsService] })
export class AlertsModule {}
