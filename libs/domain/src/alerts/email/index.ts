export * from './alert-email';
export * from './digest-time';
export * from './email-links';
