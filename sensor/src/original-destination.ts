/**
 * Where a redirected connection was really going: the kernel's original destination
 * (SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST, read by the native addon in sensor/native) behind a
 * small interface, so the sensor's routing can be tested with a fake provider on any machine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * The original destination of an accepted socket, or undefined when the connection was not
 * redirected (then the kernel has none, or reports the socket's own local address). May throw.
 */
export type OriginalDestination = (socket: Socket) => Endpoint | undefined;

export interface OriginalDestinationSupport {
  /** Undefined when this platform or build cannot read original destinations. */
  readonly originalDestination: OriginalDestination | undefined;
  /** Why not, for the log. */
  readonly unavailable?: string;
}

interface Addon {
  originalDestination(fd: number): Endpoint | null;
}

const ADDON_PATH = fileURLToPath(new URL('../native/build/original_dst.node', import.meta.url));

/** The addon-backed provider, on Linux when the addon was built (npm ci builds it). */
export function loadOriginalDestination(): OriginalDestinationSupport {
  if (process.platform !== 'linux') {
    return { originalDestination: undefined, unavailable: `not on Linux (${process.platform})` };
  }
  if (!existsSync(ADDON_PATH)) {
    return {
      originalDestination: undefined,
      unavailable: `the native addon is not built (${ADDON_PATH}; run npm run build:native -w sensor)`,
    };
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (err) {
    return {
      originalDestination: undefined,
      unavailable: `the native addon does not load: ${(err as Error).message}`,
    };
  }
  return {
    originalDestination(socket) {
      const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) return undefined;
      return addon.originalDestination(fd) ?? undefined;
    },
  };
}
