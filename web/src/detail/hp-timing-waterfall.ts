/**
 * The flow's timings as a waterfall: request sent, waiting for the first response byte, and the
 * response download, as bars on one time axis with their durations (DevTools style). Phases the
 * sensor did not record are left out rather than guessed.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleProps } from '../util/style-props.js';
import type { FlowRecord } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { formatDateTime, formatDuration } from '../util/format.js';

interface Phase {
  label: string;
  from: number;
  to: number;
  cls: string;
}

@customElement('hp-timing-waterfall')
export class HpTimingWaterfall extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .row {
        display: grid;
        grid-template-columns: 150px 1fr 80px;
        align-items: center;
        gap: var(--hp-space-3);
        height: 24px;
      }
      .label {
        color: var(--hp-muted);
      }
      .track {
        position: relative;
        height: 12px;
        background: var(--hp-surface);
        border-radius: 3px;
      }
      .bar {
        position: absolute;
        top: 0;
        bottom: 0;
        min-width: 2px;
        border-radius: 3px;
      }
      .send {
        background: #8a9bb0;
      }
      .wait {
        background: #2eaa62;
      }
      .recv {
        background: var(--hp-accent);
      }
      .dur {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .total {
        font-weight: 600;
      }
      .start {
        color: var(--hp-muted);
        margin-bottom: var(--hp-space-2);
      }
    `,
  ];

  @property({ attribute: false }) accessor flow: FlowRecord | null = null;

  override render() {
    const flow = this.flow;
    if (!flow) return nothing;
    const { start, requestEnd, responseStart, end } = flow.ts;
    const phases: Phase[] = [];
    if (requestEnd !== undefined)
      phases.push({ label: 'Request sent', from: start, to: requestEnd, cls: 'send' });
    if (responseStart !== undefined)
      phases.push({
        label: 'Waiting (TTFB)',
        from: requestEnd ?? start,
        to: responseStart,
        cls: 'wait',
      });
    if (end !== undefined && responseStart !== undefined)
      phases.push({ label: 'Content download', from: responseStart, to: end, cls: 'recv' });
    const last = Math.max(end ?? start, responseStart ?? start, requestEnd ?? start);
    const span = Math.max(last - start, 1);
    const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
    return html`<div class="start">Started ${formatDateTime(start)}</div>
      ${phases.map(
        (p) =>
          html`<div class="row">
            <span class="label">${p.label}</span>
            <span class="track"
              ><span
                class="bar ${p.cls}"
                ${styleProps({ left: pct(p.from), width: `calc(${pct(p.to)} - ${pct(p.from)})` })}
              ></span
            ></span>
            <span class="dur">${formatDuration(p.to - p.from)}</span>
          </div>`,
      )}
      <div class="row">
        <span class="label total">Total</span><span></span
        ><span class="dur total"
          >${end !== undefined ? formatDuration(end - start) : 'unfinished'}</span
        >
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-timing-waterfall': HpTimingWaterfall;
  }
}
