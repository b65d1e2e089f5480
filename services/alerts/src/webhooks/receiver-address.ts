import { promises as dns, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Logger } from '@nestjs/common';
import { ValidationError } from '@turnaround/domain';
import { AllowedWebhookHost } from '@turnaround/platform';

/** A webhook URL whose host was resolved and checked: the request goes to `address`, and nowhere else. */
export interface CheckedReceiver {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Addresses a webhook may not reach, so that a district's URL cannot make the service call
 * into its own network (cloud metadata, the database, internal services). IPv6 outside global
 * unicast (2000::/3) is refused as well, and IPv4-mapped IPv6 is judged as its IPv4 address.
 */
const REFUSED: { range: string; bits: number; what: string }[] = [
  { range: '0.0.0.0', bits: 8, what: 'a "this network" address' },
  { range: '10.0.0.0', bits: 8, what: 'a private address' },
  { range: '100.64.0.0', bits: 10, what: 'a carrier-grade NAT address' },
  { range: '127.0.0.0', bits: 8, what: 'a loopback address' },
  { range: '169.254.0.0', bits: 16, what: 'a link-local address (cloud metadata lives there)' },
  { range: '172.16.0.0', bits: 12, what: 'a private address' },
  { range: '192.0.0.0', bits: 24, what: 'a reserved address (IETF protocol assignments)' },
  { range: '192.0.2.0', bits: 24, what: 'a documentation address' },
  { range: '192.88.99.0', bits: 24, what: 'a reserved address (6to4 relay)' },
  { range: '192.168.0.0', bits: 16, what: 'a private address' },
  { range: '198.18.0.0', bits: 15, what: 'a benchmarking address' },
  { range: '198.51.100.0', bits: 24, what: 'a documentation address' },
  { range: '203.0.113.0', bits: 24, what: 'a documentation address' },
  { range: '224.0.0.0', bits: 4, what: 'a multicast address' },
  { range: '240.0.0.0', bits: 4, what: 'a reserved address' },
  { range: '::', bits: 128, what: 'the unspecified address' },
  { range: '::1', bits: 128, what: 'a loopback address' },
  { range: 'fc00::', bits: 7, what: 'a private (unique local) address' },
  { range: 'fe80::', bits: 10, what: 'a link-local address' },
  { range: 'ff00::', bits: 8, what: 'a multicast address' },
  { range: '2001::', bits: 23, what: 'a reserved address (IETF protocol assignments, Teredo)' },
  { range: '2001:db8::', bits: 32, what: 'a documentation address' },
  { range: '2002::', bits: 16, what: 'a 6to4 address (it embeds an IPv4 address)' },
  { range: '3fff::', bits: 20, what: 'a documentation address' },
];
const refused = REFUSED.map((entry) => {
  const list = new BlockList();
  list.addSubnet(entry.range, entry.bits, isIP(entry.range) === 4 ? 'ipv4' : 'ipv6');
  return { list, what: entry.what };
});
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/** Why the service will not send to `address`, or undefined when it is a public address. */
export function refusedAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const mapped = family === 6 ? ipv4Inside(address) : undefined;
  if (mapped) return refusedAddress(mapped);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const match = refused.find((entry) => entry.list.check(address, type));
  if (match) return match.what;
  if (family === 6 && !globalUnicast.check(address, 'ipv6')) return 'a reserved address (outside IPv6 global unicast)';
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) IPv6 address. */
function ipv4Inside(address: string): string | undefined {
  // The URL parser writes every IPv6 form the same way: `[::ffff:7f00:1]`, whatever was given.
  const written = new URL(`http://[${address}]/`).hostname;
  const match = /^\[::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(written);
  if (!match) return undefined;
  const [high, low] = [parseInt(match[1], 16), parseInt(match[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * The rule for where webhooks go (docs/architecture.md#operations-and-security): https, to a host whose every address
 * is public, checked when a webhook is registered and again before each send. Hosts the
 * operator allows (`WEBHOOK_ALLOWED_HOSTS`) may use http and any address, on their allowed port
 * only. A refusal never says what a host name resolves to: that would map the service's own
 * network for whoever registers a name; the log keeps the detail for the operator.
 */
export class ReceiverAddresses {
  private readonly logger = new Logger('Webhooks');

  constructor(private readonly allowed: readonly AllowedWebhookHost[]) {}

  /** Resolves and checks `url`; a refusal is a ValidationError on `url` that says why. */
  async check(url: string): Promise<CheckedReceiver> {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || !['https:', 'http:'].includes(parsed.protocol)) throw refusal(`expected an https URL that receives the alerts, got '${url}'`);
    if (parsed.username || parsed.password) throw refusal('expected a URL without user name or password: the signature authenticates the service');
    const port = Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
    const allowedPorts = this.allowed.filter((entry) => entry.host === parsed.hostname).map((entry) => entry.port);
    if (allowedPorts.length > 0 && !allowedPorts.includes(port))
      throw refusal(`expected port ${allowedPorts.join(' or ')} for ${parsed.hostname}, the port WEBHOOK_ALLOWED_HOSTS allows it on; got ${port}`);
    const allowed = allowedPorts.length > 0;
    if (!allowed && parsed.protocol !== 'https:')
      throw refusal(`expected https, got ${parsed.protocol.slice(0, -1)} (only hosts in WEBHOOK_ALLOWED_HOSTS may use http)`);
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) {
      // The caller wrote this address: saying what kind it is tells them nothing new.
      const why = allowed ? undefined : refusedAddress(host);
      if (why) throw refusal(`expected a public address; ${host} is ${why} (an operator may allow a host with WEBHOOK_ALLOWED_HOSTS)`);
      return { url: parsed, address: host, family: isIP(host) === 6 ? 6 : 4 };
    }
    const { addresses, problem } = await lookup(host);
    // Every address, not only the first: a host may answer with a public and a private one.
    const refusedOne = allowed ? undefined : addresses.map(({ address }) => ({ address, why: refusedAddress(address) })).find(({ why }) => why);
    const detail = problem ?? (refusedOne && `at ${refusedOne.address}, ${refusedOne.why}`);
    if (detail) {
      this.logger.warn(`webhook URL refused: ${host} is ${detail}`);
      // Whether an internal name resolves at all is as telling as where to: one answer for both.
      throw refusal(
        allowed
          ? `expected a host that resolves; ${host} does not`
          : `expected a host with public addresses only; ${host} is not a public address, or does not resolve (an operator may allow a host with WEBHOOK_ALLOWED_HOSTS)`,
      );
    }
    const [first] = addresses;
    return { url: parsed, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}

/** The host's addresses, or why it has none (for the log: the resolver's error code). */
async function lookup(host: string): Promise<{ addresses: LookupAddress[]; problem?: string }> {
  try {
    const addresses = await dns.lookup(host, { all: true, verbatim: true });
    return addresses.length > 0 ? { addresses } : { addresses, problem: 'without an address' };
  } catch (error) {
    return { addresses: [], problem: `not resolvable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
}

function refusal(message: string): ValidationError {
  return ValidationError.of('url', message);
}
