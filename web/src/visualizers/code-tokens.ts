/**
 * Highlighter output as data, not markup: highlight.js returns HTML in which every captured
 * character is escaped and the only tags are its own `<span class="hljs-…">`. This turns that
 * string into [text, class] segments, so the page renders `<span class=${cls}>${text}</span>` with
 * Lit text bindings and never needs innerHTML. Anything unexpected becomes plain text.
 */

export type Token = [text: string, cls: string];

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
};

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (m) => ENTITIES[m] ?? m);
}

export function tokensFromHighlightHtml(markup: string): Token[] {
  const tokens: Token[] = [];
  const stack: string[] = [];
  const re = /<span class="([\w\s-]{1,80})">|<\/span>|[^<]+|</g;
  for (const m of markup.matchAll(re)) {
    const [whole, cls] = m;
    if (cls !== undefined) stack.push(cls.replace(/\bhljs-/g, 't-'));
    else if (whole === '</span>') stack.pop();
    else {
      const text = unescape(whole);
      const top = stack.join(' ');
      const last = tokens[tokens.length - 1];
      if (last && last[1] === top) last[0] += text;
      else tokens.push([text, top]);
    }
  }
  return tokens;
}
