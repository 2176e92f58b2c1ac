/**
 * How each traffic-table column renders a flow summary. Captured text (URL, host, types) is bound as
 * text or attribute values only — never as markup.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { categorize, typeMismatch, type ErrorKind, type FlowSummary } from '@honeyproxy/protocol';
import type { ColumnId } from '../state/columns.js';
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatSize,
  formatTime,
  statusClass,
} from '../util/format.js';
import { categoryIcon, lockIcon } from './category-icons.js';

/** Short labels for flows that ended without a response. */
export const ERROR_LABEL: Record<ErrorKind, string> = {
  'client-abort': 'aborted',
  'upstream-unreachable': 'no server',
  'tls-failure': 'TLS error',
  protocol: 'bad HTTP',
  blocked: 'blocked',
};

/** The last path segment (the "file name"), or the host for "/". */
export function displayName(flow: Pick<FlowSummary, 'path' | 'host'>): string {
  const path = flow.path.split(/[?#]/, 1)[0] ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last) {
    try {
      return decodeURIComponent(last);
    } catch {
      return last;
    }
  }
  return path === '/' || path === '' ? flow.host || '/' : path;
}

function hostTitle(f: FlowSummary): string {
  const address = f.serverIp ?? 'not resolved';
  const warn = f.hostMismatch ? '\n⚠ the host name does not resolve to this address' : '';
  return `Host: ${f.host}\nConnected to: ${address}${warn}`;
}

export function renderCell(id: ColumnId, f: FlowSummary): TemplateResult {
  switch (id) {
    case 'tls':
      return html`<div class="cell c-tls">${f.tls ? lockIcon : nothing}</div>`;
    case 'name':
      return html`<div class="cell c-name" title=${f.url}>
        ${categoryIcon(categorize(f))}<span class="file">${displayName(f)}</span
        ><span class="url">${f.url}</span>
      </div>`;
    case 'method':
      return html`<div class="cell c-method">${f.method}</div>`;
    case 'status':
      if (f.status !== null)
        return html`<div class="cell c-status ${statusClass(f.status)}">${f.status}</div>`;
      if (f.error !== null)
        return html`<div class="cell c-status s-err" title=${f.error}>
          ${ERROR_LABEL[f.error]}
        </div>`;
      return html`<div class="cell c-status muted">—</div>`;
    case 'host':
      return html`<div
        class="cell c-host ${f.hostMismatch ? 'mismatch' : ''}"
        title=${hostTitle(f)}
      >
        ${f.hostMismatch ? html`<span class="warn" aria-label="host mismatch">⚠</span>` : nothing}${f.host}
      </div>`;
    case 'type': {
      const bad = typeMismatch(f.contentType, f.sniffedType);
      return html`<div
        class="cell c-type ${bad ? 'mismatch' : 'muted'}"
        title=${bad ? `Declared ${f.contentType ?? ''}, but the bytes are ${f.sniffedType ?? ''}` : (f.contentType ?? '')}
      >
        ${bad ? html`<span class="warn" aria-label="type mismatch">⚠</span>` : nothing}${f.contentType ?? ''}
      </div>`;
    }
    case 'sniffed':
      return html`<div class="cell c-sniffed muted">${f.sniffedType ?? ''}</div>`;
    case 'size':
      return html`<div class="cell num" title=${f.size === null ? '' : formatBytes(f.size)}>
        ${formatSize(f.size)}
      </div>`;
    case 'start':
      return html`<div class="cell num" title="${formatDateTime(f.start)} (${Math.floor(f.start)})">
        ${formatTime(f.start)}
      </div>`;
    case 'duration':
      return html`<div class="cell num">${formatDuration(f.duration)}</div>`;
    case 'sensor':
      return html`<div class="cell c-sensor muted">${f.sensorId}</div>`;
  }
}
