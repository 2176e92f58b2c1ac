/**
 * Makes JSON text storable in PostgreSQL. jsonb and text reject NUL characters and unpaired UTF-16
 * surrogates, and captured traffic can carry both; one such flow would fail its whole batch forever.
 * Both are replaced by U+FFFD in the JSON text (JSON.stringify writes them as \u escapes, so this is a
 * text substitution that never touches an escaped backslash).
 */

// An odd run of backslashes before `u` means the escape is real, not a literal "\\u0000".
const UNSTORABLE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;
// JSON.stringify emits a lone surrogate as a lowercase \udXXX escape and a paired one as the character.
const QUICK = /\\u(?:0000|d[89a-f])/;

/** True when `json` (from JSON.stringify) contains something PostgreSQL cannot store. */
export function needsSanitizing(json: string): boolean {
  return QUICK.test(json);
}

/** `json` with NULs and lone surrogates replaced by U+FFFD. */
export function sanitizeJson(json: string): string {
  return json.replace(UNSTORABLE, '$1\\ufffd');
}
