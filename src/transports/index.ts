/*
 * transports/index.ts - route config to Transport implementation (SPEC 9). The only place that
 * knows which class serves which `transport:` word.
 */
import { loadModemProfiles, type RouteConfig } from '../config/index.js';
import { describeFsError, GatewayError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { createModemTransport, findProfile, type Profile } from './modem/index.js';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { createSmppTransport, tlsConnection } from './smpp/index.js';
import { createSimTransport, SimDevice } from './sim/index.js';
import type { Transport } from './transport.js';

export type { Transport, OutboundSegment, SendOutcome, StatusReport, TransportHealth } from './transport.js';

/** Test and bench hooks: give a sim route a device the caller can inspect. */
export interface TransportOverrides {
  readonly simDevices?: ReadonlyMap<string, SimDevice>;
  /** SMPP reconnect waits (tests). */
  readonly smppBackoffMs?: { readonly base: number; readonly cap: number };
}

type SmppRouteConfig = Extract<RouteConfig, { transport: 'smpp' }>;

function tlsOf(route: SmppRouteConfig): ConnectionOptions | undefined {
  if (route.tls === undefined || route.tls === false) return undefined;
  if (route.tls === true) return tlsConnection(route.host);
  const { ca, servername } = route.tls;
  return tlsConnection(route.host, { ...(servername === undefined ? {} : { servername }), ...(ca === undefined ? {} : { ca: readCa(route.name, ca) }) });
}

function readCa(route: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayError('M2S_TLS_UNREADABLE', `route ${route}: tls.ca ${path}: cannot read: ${describeFsError(err)}`, { cause: err });
  }
}

export function createTransport(route: RouteConfig, logger: Logger, overrides: TransportOverrides = {}): Transport {
  switch (route.transport) {
    case 'modem': {
      // hardware/profiles: the route's `profile:` by name, else detected by the driver at init.
      const profiles: readonly Profile[] = loadModemProfiles();
      const profile = route.profile === undefined ? undefined : findProfile(route.profile, profiles);
      if (route.profile !== undefined && profile === undefined) {
        throw new GatewayError('M2S_CONFIG_INVALID', `route ${route.name}: profile "${route.profile}" is not one of ${profiles.map((p) => p.name).join(', ')} (hardware/profiles)`);
      }
      return createModemTransport({
        name: route.name,
        path: route.path,
        baudRate: route.baud,
        logger,
        ...(route.pin !== undefined ? { pin: route.pin } : {}),
        ...(profile ? { profile } : { profiles }),
      });
    }
    case 'smpp': {
      const tls = tlsOf(route);
      return createSmppTransport({
        name: route.name,
        host: route.host,
        port: route.port,
        ...(tls === undefined ? {} : { tls }),
        mode: route.mode,
        systemId: route.system_id,
        passwordFile: route.password_file,
        ...(route.system_type === undefined ? {} : { systemType: route.system_type }),
        window: route.window,
        enquireLinkMs: route.enquire_link,
        responseTimeoutMs: route.response_timeout,
        long: route.long,
        receiptId: route.receipt_id,
        ...(route.source_ton === undefined ? {} : { sourceTon: route.source_ton }),
        ...(route.source_npi === undefined ? {} : { sourceNpi: route.source_npi }),
        ...(overrides.smppBackoffMs === undefined ? {} : { backoffBaseMs: overrides.smppBackoffMs.base, backoffCapMs: overrides.smppBackoffMs.cap }),
        logger,
      });
    }
    case 'sim': {
      const device = overrides.simDevices?.get(route.name) ?? new SimDevice({ now: Date.now, latencyMs: route.latency_ms });
      return createSimTransport({ name: route.name, logger, device });
    }
  }
}
