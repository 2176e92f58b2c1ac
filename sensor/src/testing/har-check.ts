/**
 * Checks a parsed document against the required fields of HAR 1.2 (log, creator, entries with
 * request, response, content, cache and timings). Returns the problems found.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function harProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const need = (cond: boolean, what: string) => void (cond || problems.push(what));
  const log = isObject(doc) ? doc['log'] : undefined;
  if (!isObject(log)) return ['log missing'];
  need(log['version'] === '1.2', 'log.version is 1.2');
  const creator = log['creator'];
  need(
    isObject(creator) &&
      typeof creator['name'] === 'string' &&
      typeof creator['version'] === 'string',
    'log.creator',
  );
  const entries = log['entries'];
  if (!Array.isArray(entries)) return [...problems, 'log.entries missing'];
  entries.forEach((entry: unknown, i) => {
    const at = `entries[${i}]`;
    if (!isObject(entry)) return void problems.push(`${at} not an object`);
    need(
      typeof entry['startedDateTime'] === 'string' &&
        !Number.isNaN(Date.parse(entry['startedDateTime'])),
      `${at}.startedDateTime`,
    );
    need(typeof entry['time'] === 'number' && entry['time'] >= 0, `${at}.time`);
    need(isObject(entry['cache']), `${at}.cache`);
    const timings = entry['timings'];
    need(
      isObject(timings) &&
        ['send', 'wait', 'receive'].every((k) => typeof timings[k] === 'number' && timings[k] >= 0),
      `${at}.timings`,
    );
    const req = entry['request'];
    need(
      isObject(req) &&
        typeof req['method'] === 'string' &&
        typeof req['url'] === 'string' &&
        typeof req['httpVersion'] === 'string' &&
        ['cookies', 'headers', 'queryString'].every((k) => Array.isArray(req[k])) &&
        typeof req['headersSize'] === 'number' &&
        typeof req['bodySize'] === 'number',
      `${at}.request`,
    );
    if (isObject(req) && req['postData'] !== undefined) {
      const post = req['postData'];
      need(isObject(post) && typeof post['mimeType'] === 'string', `${at}.request.postData`);
    }
    const res = entry['response'];
    const content = isObject(res) ? res['content'] : undefined;
    need(
      isObject(res) &&
        typeof res['status'] === 'number' &&
        typeof res['statusText'] === 'string' &&
        typeof res['httpVersion'] === 'string' &&
        ['cookies', 'headers'].every((k) => Array.isArray(res[k])) &&
        typeof res['redirectURL'] === 'string' &&
        typeof res['headersSize'] === 'number' &&
        typeof res['bodySize'] === 'number',
      `${at}.response`,
    );
    need(
      isObject(content) &&
        typeof content['size'] === 'number' &&
        typeof content['mimeType'] === 'string',
      `${at}.response.content`,
    );
    for (const list of [isObject(req) ? req['headers'] : [], isObject(res) ? res['headers'] : []]) {
      if (Array.isArray(list)) {
        need(
          list.every(
            (h: unknown) =>
              isObject(h) && typeof h['name'] === 'string' && typeof h['value'] === 'string',
          ),
          `${at} headers are name/value`,
        );
      }
    }
  });
  return problems;
}
