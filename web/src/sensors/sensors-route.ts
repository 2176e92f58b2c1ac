/** The sensors view's address, `#/sensors`, beside the flow routes of state/route.ts. */
export const SENSORS_HASH = '#/sensors';

/** True when a `location.hash` names the sensors view. */
export function isSensorsHash(hash: string): boolean {
  return (
    hash === SENSORS_HASH || hash.startsWith(`${SENSORS_HASH}?`) || hash === `${SENSORS_HASH}/`
  );
}
