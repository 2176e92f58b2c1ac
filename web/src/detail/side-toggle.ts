/**
 * The Request | Response segmented control several tabs use; emits nothing, calls `onPick`.
 */
import { html } from 'lit';
import type { BodySide } from '../api/paths.js';

export function sideToggle(
  current: BodySide,
  onPick: (side: BodySide) => void,
  hasResponse: boolean,
) {
  const button = (side: BodySide, label: string, disabled = false) =>
    html`<button
      aria-pressed=${current === side}
      ?disabled=${disabled}
      @click=${() => onPick(side)}
    >
      ${label}
    </button>`;
  return html`<div class="seg" role="group" aria-label="Message">
    ${button('request', 'Request')}${button('response', 'Response', !hasResponse)}
  </div>`;
}
