/**
 * One small monochrome icon per row category (drawn in the category colour by CSS `currentColor`).
 * Static SVG templates: no captured data ever reaches them.
 */
import { html, svg } from 'lit';
import type { FlowCategory } from '@honeyproxy/protocol';

/**
 * Path data per category: one template whose `d` changes, so a row changing category (every
 * visible row, when live flows push them down) updates an attribute instead of rebuilding its SVG.
 */
const SHAPES: Record<FlowCategory, string> = {
  // page with a folded corner
  document: 'M3 1h6l4 4v10H3V1Zm6 1.5V5h2.5L9 2.5ZM5 8h6v1H5V8Zm0 2h6v1H5v-1Zm0 2h4v1H5v-1Z',
  // braces
  script:
    'M5.5 2C4 2 3.5 3 3.5 4v2c0 .8-.5 1.3-1.5 1.5v1c1 .2 1.5.7 1.5 1.5v2c0 1 .5 2 2 2h.5v-1.3h-.3c-.6 0-.7-.4-.7-1V9.5c0-.9-.4-1.5-1.2-1.9.8-.4 1.2-1 1.2-1.9V4.3c0-.6.1-1 .7-1h.3V2h-.5Zm5 0H10v1.3h.3c.6 0 .7.4.7 1v1.4c0 .9.4 1.5 1.2 1.9-.8.4-1.2 1-1.2 1.9v1.4c0 .6-.1 1-.7 1H10V14h.5c1.5 0 2-1 2-2v-2c0-.8.5-1.3 1.5-1.5v-1c-1-.2-1.5-.7-1.5-1.5V4c0-1-.5-2-2-2Z',
  // paint brush
  style:
    'M13.5 1.5 8 7l1 1 5.5-5.5-1-1ZM7 8c-1.7 0-3 1.3-3 3 0 1-.5 2-2 2.5C3 14.5 4.3 15 6 15c2.2 0 4-1.8 4-4L7 8Z',
  // picture
  image:
    'M2 2h12v12H2V2Zm1.3 1.3v7.3l2.9-3 2.3 2.3 1.6-1.4 2.6 2.6V3.3H3.3Zm7.2 1.2a1.3 1.3 0 1 1 0 2.6 1.3 1.3 0 0 1 0-2.6Z',
  // letter A
  font: 'M7 2h2l4.5 12h-1.9l-1.1-3.1H5.5L4.4 14H2.5L7 2Zm-.9 7.4h3.8L8 4.2 6.1 9.4Z',
  // play button
  media: 'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm-1.5 4v6l5-3-5-3Z',
  // stacked records
  data: 'M8 1.5c3 0 5.5.9 5.5 2v9c0 1.1-2.5 2-5.5 2s-5.5-.9-5.5-2v-9c0-1.1 2.5-2 5.5-2Zm0 1.2c-2.5 0-4.2.6-4.2.8s1.7.8 4.2.8 4.2-.6 4.2-.8-1.7-.8-4.2-.8ZM3.8 5.3v2.2c0 .2 1.7.8 4.2.8s4.2-.6 4.2-.8V5.3c-1 .4-2.5.7-4.2.7s-3.2-.3-4.2-.7Zm0 3.8v2.3c0 .2 1.7.8 4.2.8s4.2-.6 4.2-.8V9.1c-1 .4-2.5.7-4.2.7s-3.2-.3-4.2-.7Z',
  // cog: executables and archives
  binary:
    'M7 1h2l.4 1.8 1.2.5 1.6-1 1.4 1.4-1 1.6.5 1.2L15 7v2l-1.8.4-.5 1.2 1 1.6-1.4 1.4-1.6-1-1.2.5L9 15H7l-.4-1.8-1.2-.5-1.6 1-1.4-1.4 1-1.6-.5-1.2L1 9V7l1.8-.4.5-1.2-1-1.6 1.4-1.4 1.6 1 1.2-.5L7 1Zm1 4.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z',
  // x in a circle
  error:
    'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1ZM5.6 4.6 4.6 5.6 7 8l-2.4 2.4 1 1L8 9l2.4 2.4 1-1L9 8l2.4-2.4-1-1L8 7 5.6 4.6Z',
  // no-entry sign
  blocked:
    'M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm0 1.5a5.5 5.5 0 0 0-4.4 8.8l7.7-7.7A5.5 5.5 0 0 0 8 2.5Zm4.4 2.2-7.7 7.7a5.5 5.5 0 0 0 7.7-7.7Z',
  // plain dot
  other: 'M8 5a3 3 0 1 1 0 6 3 3 0 0 1 0-6Z',
};

export function categoryIcon(category: FlowCategory) {
  return html`<svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
    ${svg`<path fill="currentColor" d=${SHAPES[category]} />`}
  </svg>`;
}

export const lockIcon = html`<svg class="lock" viewBox="0 0 16 16" role="img" aria-label="TLS">
  <path
    fill="currentColor"
    d="M5 7V5a3 3 0 0 1 6 0v2h.5A1.5 1.5 0 0 1 13 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-7A1.5 1.5 0 0 1 3 13.5v-5A1.5 1.5 0 0 1 4.5 7H5Zm1.5 0h3V5a1.5 1.5 0 0 0-3 0v2Z"
  />
</svg>`;
