/**
 * The sensors view (`#/sensors`): every sensor's state from its last heartbeat — online, stale (no
 * heartbeat for three intervals) or alarm — with version, mode, uptime, counters, spool backlog,
 * lag and CA fingerprint. Renders the properties it is given; the polling lives in
 * sensors-poller.ts. Every value shown is text from the validated API answer (no HTML).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SensorList, SensorStatus } from '@honeyproxy/protocol';
import { shared } from '../styles/shared.js';
import { formatSize } from '../util/format.js';
import { formatAge, formatSpan } from './sensor-format.js';

const STATE_LABEL: Record<SensorStatus['state'], string> = {
  online: 'Online',
  stale: 'Stale',
  alarm: 'Alarm',
};

@customElement('hp-sensors-view')
export class HpSensorsView extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        flex: 1;
        overflow: auto;
        padding: var(--hp-space-4) var(--hp-space-6);
      }
      header {
        display: flex;
        align-items: baseline;
        gap: var(--hp-space-4);
        margin-bottom: var(--hp-space-3);
      }
      h1 {
        font-size: 16px;
        margin: 0;
      }
      .summary,
      .muted {
        color: var(--hp-muted);
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-variant-numeric: tabular-nums;
      }
      th,
      td {
        text-align: left;
        padding: var(--hp-space-1) var(--hp-space-3);
        border-bottom: 1px solid var(--hp-border);
        vertical-align: top;
      }
      th {
        color: var(--hp-muted);
        font-weight: 500;
        white-space: nowrap;
      }
      td.num {
        text-align: right;
      }
      td.id,
      .alarms li {
        white-space: nowrap;
      }
      .state {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        white-space: nowrap;
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
      }
      .online .dot {
        background: var(--hp-status-ok);
      }
      .stale .dot {
        background: var(--hp-faint);
      }
      .alarm .dot {
        background: var(--hp-status-server);
      }
      .alarms {
        margin: 2px 0 0;
        padding-left: var(--hp-space-4);
        color: var(--hp-status-server);
      }
      .fingerprint {
        font-family: var(--hp-mono);
        font-size: var(--hp-mono-size);
        word-break: break-all;
      }
      .error {
        padding: var(--hp-space-3);
        background: var(--hp-error-bg);
        border: 1px solid var(--hp-error-border);
        border-radius: var(--hp-radius);
      }
    `,
  ];

  /** The last answer of GET /api/sensors; null until the first one. */
  @property({ attribute: false }) accessor sensors: SensorList | null = null;
  /** Why the last refresh failed (the list shown is then the previous one). */
  @property({ attribute: false }) accessor error: string | null = null;

  override render() {
    const list = this.sensors;
    const counts = { online: 0, stale: 0, alarm: 0 };
    for (const s of list?.sensors ?? []) counts[s.state]++;
    return html`
      <header>
        <h1>Sensors</h1>
        ${
          list
            ? html`<span class="summary"
                >${counts.online} online · ${counts.alarm} alarm · ${counts.stale} stale</span
              >`
            : nothing
        }
        <a href="#/">Back to flows</a>
      </header>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${
        list === null
          ? html`<p class="muted">Loading sensors…</p>`
          : list.sensors.length === 0
            ? html`<p class="muted">
                No sensor has sent a heartbeat yet. Sensors send one every 10 s once they reach
                NATS.
              </p>`
            : this.renderTable(list)
      }
    `;
  }

  private renderTable(list: SensorList) {
    return html`<table>
      <thead>
        <tr>
          <th>Sensor</th>
          <th>State</th>
          <th>Last heartbeat</th>
          <th>Version</th>
          <th>Mode</th>
          <th>Uptime</th>
          <th title="Flows captured / published / spooled">Captured</th>
          <th>Published</th>
          <th title="Flows in the sensor's spool not yet acknowledged by JetStream">Backlog</th>
          <th title="Disk the sensor's spool takes">Spool</th>
          <th title="Age of the newest stored flow while the sensor still holds a backlog">Lag</th>
          <th>Errors</th>
          <th title="Bodies dropped when the spool budget was reached">Dropped bodies</th>
          <th>CA fingerprint (SHA-256)</th>
        </tr>
      </thead>
      <tbody>
        ${list.sensors.map((s) => this.renderRow(s, list.now))}
      </tbody>
    </table>`;
  }

  private renderRow(s: SensorStatus, now: number) {
    return html`<tr data-sensor=${s.id}>
      <td class="id">${s.id}</td>
      <td>
        <span class="state ${s.state}"><span class="dot"></span>${STATE_LABEL[s.state]}</span>
        ${
          s.alarms.length > 0
            ? html`<ul class="alarms">
                ${s.alarms.map((a) => html`<li>${a}</li>`)}
              </ul>`
            : nothing
        }
      </td>
      <td title=${new Date(s.lastSeen).toISOString()}>${formatAge(now - s.lastSeen)}</td>
      <td>${s.version}</td>
      <td>${s.mode}</td>
      <td>${formatSpan(s.uptimeMs)}</td>
      <td class="num">${s.counters.captured.toLocaleString('en-US')}</td>
      <td class="num">${s.counters.published.toLocaleString('en-US')}</td>
      <td class="num">${s.backlog.toLocaleString('en-US')}</td>
      <td class="num">${s.spoolBytes === undefined ? '—' : formatSize(s.spoolBytes)}</td>
      <td class="num">${s.lagMs === null ? '—' : formatSpan(s.lagMs)}</td>
      <td class="num">${s.counters.errors.toLocaleString('en-US')}</td>
      <td class="num">${(s.counters.droppedBodies ?? 0).toLocaleString('en-US')}</td>
      <td class="fingerprint">${s.caSha256}</td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hp-sensors-view': HpSensorsView;
  }
}
