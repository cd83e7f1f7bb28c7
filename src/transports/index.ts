/*
 * transports/index.ts - route config to Transport implementation (SPEC 9). The only place that
 * knows which class serves which `transport:` word.
 */
import { loadModemProfiles, type RouteConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { createModemTransport, findProfile, type Profile } from './modem/index.js';
import { createSimTransport, SimDevice } from './sim/index.js';
import type { Transport } from './transport.js';

export type { Transport, OutboundSegment, SendOutcome, StatusReport, TransportHealth } from './transport.js';

/** Test and bench hooks: give a sim route a device the caller can inspect. */
export interface TransportOverrides {
  readonly simDevices?: ReadonlyMap<string, SimDevice>;
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
    case 'sim': {
      const device = overrides.simDevices?.get(route.name) ?? new SimDevice({ now: Date.now, latencyMs: route.latency_ms });
      return createSimTransport({ name: route.name, logger, device });
    }
  }
}
