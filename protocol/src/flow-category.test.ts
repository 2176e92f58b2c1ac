/** Row categories: what the bytes are beats what the server says; failures beat types. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { categorize } from './flow-category.js';

const flow = (over: Partial<Parameters<typeof categorize>[0]>) =>
  categorize({
    error: null,
    status: 200,
    contentType: null,
    sniffedType: null,
    path: '/',
    ...over,
  });

describe('categorize', () => {
  it('uses the declared type', () => {
    assert.equal(flow({ contentType: 'text/html' }), 'document');
    assert.equal(flow({ contentType: 'application/javascript' }), 'script');
    assert.equal(flow({ contentType: 'text/css' }), 'style');
    assert.equal(flow({ contentType: 'image/png' }), 'image');
    assert.equal(flow({ contentType: 'font/woff2' }), 'font');
    assert.equal(flow({ contentType: 'video/mp4' }), 'media');
    assert.equal(flow({ contentType: 'application/json' }), 'data');
    assert.equal(flow({ contentType: 'application/zip' }), 'binary');
  });

  it('lets a sniffed executable win over a declared image', () => {
    assert.equal(
      flow({ contentType: 'image/jpeg', sniffedType: 'application/x-msdownload' }),
      'binary',
    );
  });

  it('does not let a sniffed text guess override the declared type', () => {
    assert.equal(
      flow({ contentType: 'application/javascript', sniffedType: 'text/plain' }),
      'script',
    );
    assert.equal(flow({ sniffedType: 'text/html' }), 'document');
  });

  it('falls back to the path extension', () => {
    assert.equal(flow({ path: '/dl/setup.exe?x=1' }), 'binary');
    assert.equal(flow({ path: '/app.js' }), 'script');
    assert.equal(flow({ path: '/' }), 'other');
  });

  it('marks failures and blocks first', () => {
    assert.equal(flow({ status: 404, contentType: 'text/html' }), 'error');
    assert.equal(flow({ status: null, error: 'tls-failure' }), 'error');
    assert.equal(flow({ status: null, error: 'blocked' }), 'blocked');
  });
});
