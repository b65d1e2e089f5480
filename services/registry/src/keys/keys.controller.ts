import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiBodyFrom, apiKeyAnswer, ApiKeys, issuedKeyAnswer, keyRequestBody, parseKeyRequest } from '@turnaround/platform';

/**
 * API keys, managed by the state office while the service runs (docs/architecture.md#operations-and-security); the
 * CLI's `keys` does the same on a stopped embedded store. Keys are state, not events: a key's
 * secret must never enter the log.
 */
@ApiTags('keys')
@Controller('api/v1/keys')
export class KeysController {
  constructor(private readonly keys: ApiKeys) {}

  /** The only answer that holds the key itself. */
  @Post()
  @ApiAnswer(issuedKeyAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(keyRequestBody, 'Issue a key to a named person or system; a district or partner key names one the registry knows (404 otherwise)')
  @ApiOperation({
    summary: 'Issue an API key',
    description:
      'Issues a key to a named person or system, for one role (`state`, `district:{districtId}`, `partner:{partnerId}`, `data-team`, `researcher` or `public`), with an optional expiry. The answer is the only time the key itself is shown: only its hash is kept. A district or partner key must name one the registry knows (404 otherwise).',
  })
  issue(@Body() body: unknown) {
    const { role, name, expiresAt } = parseKeyRequest(body);
    return this.keys.issue(role, name, expiresAt);
  }

  @Get()
  @ApiAnswer(apiKeyAnswer, { list: true })
  @ApiOperation({
    summary: 'List the API keys',
    description: 'Every key: its id, name, role, when it was made, when it expires and when it was revoked. Never the key itself, nor its hash.',
  })
  list() {
    return this.keys.list();
  }

  @Post(':keyId/revocation')
  @ApiBody({ required: false, description: 'nothing: the key id in the path says which key', schema: { type: 'object' } })
  @ApiAnswer(apiKeyAnswer, { status: 201 })
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Revokes the key at once: from now on it gets a 401 saying it is unknown or revoked. Answers the key as revoked.',
  })
  @HttpCode(201)
  revoke(@Param('keyId') keyId: string) {
    return this.keys.revoke(keyId);
  }
}
