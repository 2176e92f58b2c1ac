/**
 * Rules the flow detail's tabs share: titled sections (Request/Response, Connection) and
 * label/value lists (Connection, each certificate).
 */
import { css } from 'lit';

export const sectionStyles = css`
  section {
    margin-bottom: var(--hp-space-4);
  }
  h3 {
    font-size: 12px;
    font-weight: 600;
    color: var(--hp-muted);
    text-transform: uppercase;
    letter-spacing: 0.04em;
    margin: 0 0 var(--hp-space-2);
  }
`;

/** A <dl> as a two-column grid; long values (attacker-controlled) wrap anywhere. */
export const definitionListStyles = css`
  dl {
    display: grid;
    grid-template-columns: 150px 1fr;
    gap: 3px var(--hp-space-3);
    margin: 0;
  }
  dt {
    color: var(--hp-muted);
  }
  dd {
    margin: 0;
    min-width: 0;
    overflow-wrap: anywhere;
  }
`;
