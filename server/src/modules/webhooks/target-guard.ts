// The SSRF guard: a webhook may only reach the public internet. A target is refused when it is not
// http(s) or when its host is, or resolves to, an address inside a network (loopback, private,
// link-local with the cloud metadata endpoint, CGNAT, unique-local IPv6, unspecified, multicast),
// unless WEBHOOK_ALLOW_PRIVATE_TARGETS lets it through. Checked when a subscription is saved and
// again before every send, because DNS answers change.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../../core/errors.ts';

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Address ranges no webhook may reach. IPv4-mapped IPv6 addresses match their IPv4 rules. */
function internalRanges(): BlockList {
  const list = new BlockList();
  const v4: [string, number][] = [
    ['0.0.0.0', 8], // "this network", 0.0.0.0
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // CGNAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 (cloud metadata)
    ['172.16.0.0', 12],
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.168.0.0', 16],
    ['198.18.0.0', 15], // benchmarking
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, incl. broadcast
  ];
  const v6: [string, number][] = [
    ['::', 128], // unspecified
    ['::1', 128],
    ['fc00::', 7], // unique-local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
    ['64:ff9b::', 96], // NAT64: an IPv4 address behind it may be internal
  ];
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class TargetGuard {
  private readonly blocked = internalRanges();
  private readonly allowed = new BlockList();
  private readonly allowedHosts = new Set<string>();
  private readonly resolve: Resolver;

  /** `allow`: WEBHOOK_ALLOW_PRIVATE_TARGETS, already checked by the config schema */
  constructor(allow: readonly string[], resolve: Resolver = systemResolver) {
    this.resolve = resolve;
    for (const entry of allow) {
      const [address = '', prefix] = entry.split('/');
      if (isIP(address) && prefix !== undefined) this.allowed.addSubnet(address, Number(prefix), family(address));
      else if (isIP(address)) this.allowed.addAddress(address, family(address));
      else this.allowedHosts.add(entry.toLowerCase());
    }
  }

  /** Resolves without throwing when the URL is an acceptable target; otherwise a VALIDATION error. */
  async check(target: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw refused('error.webhook.badUrl', target);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('error.webhook.badUrl', target);
    // the URL parser has already turned 2130706433 or 0x7f.1 into 127.0.0.1; IPv6 comes in brackets
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (this.allowedHosts.has(host)) return;
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = await this.resolve(host);
      } catch {
        throw refused('error.webhook.unresolvable', host);
      }
      if (addresses.length === 0) throw refused('error.webhook.unresolvable', host);
    }
    // every address the name has: a client may connect to any of them
    for (const address of addresses) if (this.isInternal(address)) throw refused('error.webhook.privateTarget', host);
  }

  /**
   * The DNS lookup a delivery's socket connects with: the name is resolved once more, judged, and
   * the socket goes to exactly the address judged. Without it, a name that answered with a public
   * address when check() asked could answer with an internal one a moment later (DNS rebinding).
   */
  readonly connectLookup: LookupFunction = (hostname, options, callback) => {
    const host = hostname.toLowerCase();
    this.resolve(host).then(
      (addresses) => {
        const usable = this.allowedHosts.has(host) ? addresses : addresses.filter((a) => !this.isInternal(a));
        if (usable.length === 0 || usable.length < addresses.length) {
          callback(Object.assign(refused('error.webhook.privateTarget', host), { code: 'EKEMAIREFUSED' }) as NodeJS.ErrnoException, '', 4);
          return;
        }
        const all = usable.map((address) => ({ address, family: isIP(address) }));
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: typeof all) => void)(null, all);
        else callback(null, all[0]!.address, all[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };

  private isInternal(address: string): boolean {
    const type = family(address);
    return this.blocked.check(address, type) && !this.allowed.check(address, type);
  }
}

function refused(messageKey: string, host: string): AppError {
  return new AppError('VALIDATION', { messageKey, params: { host }, details: [{ path: 'url', message: messageKey }] });
}
