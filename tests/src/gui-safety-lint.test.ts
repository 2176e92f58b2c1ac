/**
 * The lint rule that keeps captured content from becoming markup in the GUI (eslint.config.js,
 * web/src/**): each forbidden construct, linted as if it were a GUI source file, is reported; the
 * Lit text bindings the GUI actually uses are not; and the GUI's real sources are clean.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// An existing GUI file: type-aware linting needs a path in the web project; the text is ours.
const AS_FILE = 'web/src/detail/hp-raw-tab.ts';

const eslint = new ESLint({ cwd: ROOT });

async function ruleIds(code: string, filePath = AS_FILE): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const FORBIDDEN: [what: string, code: string, rule: string][] = [
  [
    'unsafeHTML import',
    `import { unsafeHTML } from 'lit/directives/unsafe-html.js';\nexport const x = unsafeHTML;\n`,
    'no-restricted-imports',
  ],
  [
    'unsafeSVG import',
    `import { unsafeSVG } from 'lit/directives/unsafe-svg.js';\nexport const x = unsafeSVG;\n`,
    'no-restricted-imports',
  ],
  [
    'unsafeStatic import',
    `import { unsafeStatic } from 'lit/static-html.js';\nexport const x = unsafeStatic;\n`,
    'no-restricted-imports',
  ],
  [
    'innerHTML assignment',
    `export function f(el: HTMLElement, s: string): void {\n  el.innerHTML = s;\n}\n`,
    'no-restricted-properties',
  ],
  [
    'outerHTML assignment',
    `export function f(el: HTMLElement, s: string): void {\n  el.outerHTML = s;\n}\n`,
    'no-restricted-properties',
  ],
  [
    'insertAdjacentHTML',
    `export function f(el: HTMLElement, s: string): void {\n  el.insertAdjacentHTML('beforeend', s);\n}\n`,
    'no-restricted-properties',
  ],
  [
    'document.write',
    `export function f(s: string): void {\n  document.write(s);\n}\n`,
    'no-restricted-properties',
  ],
  [
    'srcdoc property',
    `export function f(el: HTMLIFrameElement, s: string): void {\n  el.srcdoc = s;\n}\n`,
    'no-restricted-properties',
  ],
  [
    '.innerHTML binding',
    "import { html } from 'lit';\nexport const t = (s: string) => html`<div .innerHTML=${s}></div>`;\n",
    'no-restricted-syntax',
  ],
  [
    'srcdoc binding',
    "import { html } from 'lit';\nexport const t = (s: string) => html`<iframe srcdoc=${s}></iframe>`;\n",
    'no-restricted-syntax',
  ],
  [
    'DOMParser',
    `export const d = (s: string) => new DOMParser().parseFromString(s, 'text/html');\n`,
    'no-restricted-syntax',
  ],
  ['new Function', `export const g = new Function('return 1');\n`, 'no-restricted-syntax'],
];

describe('GUI lint rule against captured content becoming markup', { timeout: 120_000 }, () => {
  for (const [what, code, rule] of FORBIDDEN) {
    it(`reports ${what}`, async () => {
      const ids = await ruleIds(code);
      assert.ok(
        ids.includes(rule),
        `${what}: expected ${rule}, got ${ids.join(', ') || 'nothing'}`,
      );
    });
  }

  it('accepts Lit text and attribute bindings of captured values', async () => {
    const code =
      "import { html } from 'lit';\nexport const t = (s: string) => html`<td title=${s}>${s}</td>`;\n";
    assert.deepEqual(await ruleIds(code), []);
  });

  it('finds nothing in the GUI sources themselves', async () => {
    const results = await eslint.lintFiles(['web/src/detail', 'web/src/visualizers']);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId}`),
    );
    assert.deepEqual(problems, []);
  });
});
