import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { EmailLinksController, EmailSettingsController } from './email.controller';
import { InboxController } from './inbox.controller';
import { PagesController } from './pages.controller';
import { ReportCardController } from './report-card.controller';
import { ResearchPagesController } from './research.controller';
import { ProgressController } from './progress.controller';
import { ReviewController } from './review.controller';
import { ReportFilesController } from './report-files.controller';
import { SignInAttempts } from './sessions/sign-in-attempts';
import { WebSessionGuard } from './sessions/web-session.guard';
import { WebSessions } from './sessions/web-sessions';
import { SignInController } from './sign-in.controller';
import { SubjectsController } from './subjects.controller';
import { UploadsController } from './uploads.controller';
import { WebCommands } from './web-commands';
import { WebhookPagesController } from './webhooks.controller';
import { WebAccess } from './web-access';
import { WebReads } from './web-reads';
import { SendWebPages } from './views/web-page';

/** The web app at `/` (docs/roles.md#the-web-app-page-by-role): server-rendered pages over the read model's queries, behind a session (the public report cards need none). */
@Module({
  controllers: [
    SignInController,
    PagesController,
    SubjectsController,
    InboxController,
    WebhookPagesController,
    UploadsController,
    ResearchPagesController,
    ReportCardController,
    ReviewController,
    ReportFilesController,
    ProgressController,
    EmailSettingsController,
    EmailLinksController,
  ],
  providers: [
    { provide: APP_INTERCEPTOR, useClass: SendWebPages },
    WebAccess,
    WebReads,
    WebCommands,
    WebSessionGuard,
    SignInAttempts,
    { provide: WebSessions, useFactory: (sql: SqlClient) => WebSessions.create(sql), inject: [SQL_CLIENT] },
  ],
})
export class WebModule {}
