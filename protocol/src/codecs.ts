/**
 * Ready-made decoders for the wire contract's messages.
 */
import { createDecoder } from './decoder.js';
import { FlowMessage, FlowRecord } from './flow.js';
import { FlowSummary } from './flow-summary.js';
import { DeadLetterPage, FlowPage, LiveMessage, RelatedFlows, SensorList, WhoAmI } from './api.js';
import { SensorHeartbeat } from './heartbeat.js';

export const flowMessageCodec = createDecoder(FlowMessage, 'flow message');
export const flowRecordCodec = createDecoder(FlowRecord, 'flow record');
export const flowSummaryCodec = createDecoder(FlowSummary, 'flow summary');
export const flowPageCodec = createDecoder(FlowPage, 'flow page');
export const liveMessageCodec = createDecoder(LiveMessage, 'live message');
export const whoAmICodec = createDecoder(WhoAmI, 'whoami');
export const sensorHeartbeatCodec = createDecoder(SensorHeartbeat, 'sensor heartbeat');
export const relatedFlowsCodec = createDecoder(RelatedFlows, 'related flows');
export const sensorListCodec = createDecoder(SensorList, 'sensor list');
export const deadLetterPageCodec = createDecoder(DeadLetterPage, 'dead letter page');
