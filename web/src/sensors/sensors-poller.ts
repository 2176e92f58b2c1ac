/**
 * Keeps the sensors view's data fresh: asks GET /api/sensors now and then every heartbeat interval
 * while started, and hands each answer (or why it failed) to `onUpdate`. The component only renders.
 */
import { HEARTBEAT_INTERVAL_MS, type SensorList } from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';

export interface SensorsPoller {
  start(): void;
  stop(): void;
}

export function createSensorsPoller(options: {
  api: Pick<ApiClient, 'sensors'>;
  onUpdate: (update: { sensors?: SensorList; error: string | null }) => void;
  intervalMs?: number;
}): SensorsPoller {
  const interval = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;
  let running = false;

  const poll = async () => {
    controller = new AbortController();
    try {
      const sensors = await options.api.sensors(controller.signal);
      if (running) options.onUpdate({ sensors, error: null });
    } catch (err) {
      if (running) options.onUpdate({ error: err instanceof Error ? err.message : String(err) });
    }
    if (running) timer = setTimeout(() => void poll(), interval);
  };

  return {
    start() {
      if (running) return;
      running = true;
      void poll();
    },
    stop() {
      running = false;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
