/**
 * The visualizer registry: each visualizer is one file that calls registerVisualizer with the
 * body kinds it shows and a render function. The Preview tab asks `visualizerFor(kind)`; "hex" is
 * the fallback for anything no visualizer claims. A new visualizer is one new file plus one import
 * line in visualizers/index.ts.
 */
import type { TemplateResult } from 'lit';
import type { BodyKind, Sniffed } from './parse/sniff.js';
import type { TypeVerdict } from './parse/body-kind.js';
import { decodeText } from './parse/charset.js';
import type { BodySide } from '../api/paths.js';

export interface VisualizerInput {
  /** Content-decoded bytes (raw when the analyzer could not decode). */
  bytes: Uint8Array;
  /** False when only the first LOAD_MAX bytes are here. */
  complete: boolean;
  contentType: string | undefined;
  url: string;
  sniffed: Sniffed;
  verdict: TypeVerdict;
  /** Where the bytes came from (the HTML preview frame loads them from the analyzer). */
  flowId: string;
  side: BodySide;
}

export interface Visualizer {
  id: string;
  label: string;
  kinds: readonly BodyKind[];
  render(input: VisualizerInput): TemplateResult;
}

const visualizers: Visualizer[] = [];

export function registerVisualizer(visualizer: Visualizer): void {
  visualizers.push(visualizer);
}

/** The visualizer for a kind (the hex dump when none claims it). */
export function visualizerFor(kind: BodyKind): Visualizer {
  const found =
    visualizers.find((v) => v.kinds.includes(kind)) ?? visualizers.find((v) => v.id === 'hex');
  if (!found) throw new Error('no hex visualizer registered');
  return found;
}

/** Every registered visualizer (the Preview tab offers them as "show as…"). */
export function allVisualizers(): readonly Visualizer[] {
  return visualizers;
}

const decoded = new WeakMap<VisualizerInput, ReturnType<typeof decodeText>>();

/** The body as text (charset detected once per input, however often the view re-renders). */
export function inputText(input: VisualizerInput): ReturnType<typeof decodeText> {
  let result = decoded.get(input);
  if (!result) {
    result = decodeText(input.bytes, input.contentType, input.complete);
    decoded.set(input, result);
  }
  return result;
}
