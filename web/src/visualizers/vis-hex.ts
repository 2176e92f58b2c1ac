/**
 * The fallback for anything no other visualizer claims: a virtualized hex dump of the bytes.
 */
import { html } from 'lit';
import { registerVisualizer } from './registry.js';
import '../detail/hp-hex-view.js';

registerVisualizer({
  id: 'hex',
  label: 'Hex',
  kinds: ['binary'],
  render: (input) => html`<hp-hex-view .bytes=${input.bytes}></hp-hex-view>`,
});
