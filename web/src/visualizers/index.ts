/**
 * Registers every visualizer (import this once). Order matters only for kinds two visualizers
 * both claim: the first registered wins.
 */
import './vis-image.js';
import './vis-svg.js';
import './vis-html.js';
import './vis-code.js';
import './vis-text.js';
import './vis-executable.js';
import './vis-archive.js';
import './vis-pdf.js';
import './vis-media.js';
import './vis-hex.js';

export { allVisualizers, visualizerFor, type VisualizerInput } from './registry.js';
