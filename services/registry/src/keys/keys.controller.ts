import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
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
  issue(@Body() body: unknown) {
    const { role, name, expiresAt } = parseKeyRequest(body);
    return this.keys.issue(role, name, expiresAt);
  }

  @Get()
  @ApiAnswer(apiKeyAnswer, { list: true })
  list() {
    return this.keys.list();
  }

  @Post(':keyId/revocation')
  @ApiBody({ required: false, description: 'nothing: the key id in the path says which key', schema: { type: 'object' } })
  @ApiAnswer(apiKeyAnswer, { status: 201 })
  @HttpCode(201)
  revoke(@Param('keyId') keyId: string) {
    return this.keys.revoke(keyId);
  }
}
