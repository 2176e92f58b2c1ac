/**
 * The set-up every capture suite shares: testkit's capture origin and an in-process sensor,
 * started before the suite's tests and stopped (flows schema-checked) after them. Call it in a
 * describe body; call the returned getter inside tests.
 */
import { startCaptureOrigin, suiteResource, type Origin } from '@honeyproxy/testkit';
import type { Sensor } from '../sensor.js';
import type { CollectingSink } from './collecting-sink.js';
import { startTestSensor, type TestSensorOptions } from './in-process-sensor.js';

export interface CaptureSuite {
  readonly origin: Origin;
  readonly sensor: Sensor;
  readonly sink: CollectingSink;
}

export function captureSuite(options: TestSensorOptions = {}): () => CaptureSuite {
  return suiteResource(async (cleanup) => {
    const origin = await startCaptureOrigin();
    cleanup.add(() => origin.close());
    return { origin, ...(await startTestSensor(cleanup.add, options)) };
  });
}
