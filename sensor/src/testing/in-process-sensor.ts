/**
 * An in-process sensor for tests: its own CA directory, a collecting sink, and every flow it
 * produces checked against the wire schema — a flow the analyzer would reject fails the test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@honeyproxy/common';
import { flowMessageCodec } from '@honeyproxy/protocol';
import { parseCidrList, type Cidr } from '../containment.js';
import type { BodySpill } from '../body-spill.js';
import type { SensorMode } from '../config.js';
import type { HostResolver } from '../host-resolver.js';
import type { OriginalDestination } from '../original-destination.js';
import type { CapturedFlow } from '../flow-sink.js';
import { createSensor, type Sensor } from '../sensor.js';
import { createCollectingSink, type CollectingSink } from './collecting-sink.js';

export interface TestSensor {
  sensor: Sensor;
  sink: CollectingSink;
  caDir: string;
}

/** Registers a cleanup: a CleanupList's `add`, or `(fn) => t.after(fn)` inside a test. */
export type Cleanup = (fn: () => Promise<void>) => void;

export interface TestSensorOptions {
  maxBody?: number;
  /** An existing CA directory (default: a new one in a temp dir). */
  caDir?: string;
  port?: number;
  /** Default: loopback (the test origins live there), which containment refuses otherwise. */
  allowDestinations?: readonly Cidr[];
  denyDestinations?: readonly Cidr[];
  allowClients?: readonly Cidr[];
  mode?: SensorMode;
  /** A fake original-destination reader (default: none, every connection explicit). */
  originalDestination?: OriginalDestination;
  resolver?: HostResolver;
  /** Where bodies past its threshold go (default: none, every body in memory). */
  bodySpill?: BodySpill;
  /**
   * How the sink "stores" each flow; the sensor holds each response's last bytes until it settles.
   * Default: settled on the next loop turn, like the disk spool's group write.
   */
  storeFlow?: (c: CapturedFlow) => Promise<void>;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What tests open: the loopback origins. */
export const TEST_ALLOWED_DESTINATIONS = parseCidrList('127.0.0.0/8,::1/128');

export async function startTestSensor(
  cleanup: Cleanup,
  options: TestSensorOptions = {},
): Promise<TestSensor> {
  let caDir = options.caDir;
  if (!caDir) {
    const dir = await mkdtemp(join(tmpdir(), 'hp-sensor-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    caDir = join(dir, 'ca');
  }
  const sink = createCollectingSink();
  const violations: string[] = [];
  const storeFlow = options.storeFlow ?? nextTurn;
  const checked = {
    ...sink,
    holdResponses: true,
    async write(c: CapturedFlow) {
      const problem = schemaProblem(c.flow);
      if (problem) violations.push(problem);
      const stored = storeFlow(c);
      await sink.write(c);
      await stored;
    },
  };
  const sensor = await createSensor({
    config: {
      proxyPort: options.port ?? 0,
      dataDir: caDir,
      caDir,
      maxBody: options.maxBody ?? 64 * 1024 * 1024,
      sensorId: 'test-sensor',
      mode: options.mode ?? 'both',
      allowDestinations: options.allowDestinations ?? TEST_ALLOWED_DESTINATIONS,
      denyDestinations: options.denyDestinations ?? [],
      allowClients: options.allowClients ?? [],
    },
    originalDestination: options.originalDestination ?? null,
    ...(options.resolver && { resolver: options.resolver }),
    ...(options.bodySpill && { bodySpill: options.bodySpill }),
    sink: checked,
    log: createLogger({ name: 'sensor-test', level: 'silent' }),
  });
  cleanup(async () => {
    await sensor.close();
    assert.deepEqual(violations, [], 'every flow matches the wire schema');
  });
  return { sensor, sink, caDir };
}

function schemaProblem(flow: unknown): string | undefined {
  try {
    flowMessageCodec.decode(flow);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
