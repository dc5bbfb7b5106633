#!/usr/bin/env node
'use strict';

// Why this launcher exists: s3rver 3.7.1, our local S3 for tests, ignores the conditional headers of PUT Object
// (If-None-Match and If-Match; see node_modules/s3rver/lib/controllers/object.js, putObject). AWS S3 honours them,
// and MongoBackup's repository lease on S3 depends on them (a lease probe refuses stores that ignore them). This
// starts s3rver exactly as node_modules/s3rver/bin/s3rver.js does, with the same command-line options, but puts one
// middleware first that gives PUT Object AWS's documented behaviour:
//   If-None-Match: * on an existing key                  -> 412 PreconditionFailed
//   If-Match on a missing key, or not the current ETag   -> 412 PreconditionFailed
// s3rver also writes an object's file in place, so a GET racing a PUT of the same key can return half-old,
// half-new bytes (the SDK then fails its checksum, or worse, a lease reads a torn record). AWS never does that: a
// read sees the old object or the new one. So requests to one key are ordered as a readers-writer lock: GET and HEAD
// together, anything else alone, each holding the key until its response has been sent. Only path-style requests
// (/bucket/key, which the tests use) are covered. Last, s3rver's store answers a PUT before the object's file is
// complete; the store's putObject is replaced by one that waits for it (below). To run plain s3rver, without this, start node_modules/s3rver/bin/s3rver.js.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { Transform } = require('stream');
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

/**
 * Readers-writer lock of one key, first come first served: shared holders (GET, HEAD) run together, an exclusive
 * holder (PUT, POST, DELETE) alone.
 */
class KeyLock {
  constructor() {
    this.readers = 0;
    this.writing = false;
    this.waiting = [];
  }

  get idle() {
    return this.readers === 0 && !this.writing && this.waiting.length === 0;
  }

  acquire(exclusive) {
    return new Promise(grant => {
      this.waiting.push({ exclusive, grant });
      this.grantWaiting();
    });
  }

  release(exclusive) {
    if (exclusive) this.writing = false;
    else this.readers--;
    this.grantWaiting();
  }

  grantWaiting() {
    while (this.waiting.length > 0 && !this.writing) {
      const next = this.waiting[0];
      if (next.exclusive && this.readers > 0) return;
      this.waiting.shift();
      if (next.exclusive) this.writing = true;
      else this.readers++;
      next.grant();
    }
  }
}

/** The locks of keys with requests in progress, by "bucket/key". */
const keyLocks = new Map();

/** Takes the key's lock and gives it back once the response has been sent (or the connection dropped). */
async function holdKeyUntilResponded(ctx, id) {
  const exclusive = ctx.method !== 'GET' && ctx.method !== 'HEAD';
  let lock = keyLocks.get(id);
  if (!lock) keyLocks.set(id, (lock = new KeyLock()));
  await lock.acquire(exclusive);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    lock.release(exclusive);
    if (lock.idle && keyLocks.get(id) === lock) keyLocks.delete(id);
  };
  ctx.res.once('finish', release);
  ctx.res.once('close', release);
}

function isPlainPutObject(ctx) {
  if (ctx.method !== 'PUT') return false;
  if ('x-amz-copy-source' in ctx.headers) return false;
  // Uploading a part, tagging or an ACL are subresources, not PUT Object.
  return Object.keys(ctx.query).length === 0;
}

/** "/bucket/some/key" -> { bucket, key }, or null for a bucket-level path. */
function bucketAndKey(path) {
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  return match ? { bucket: match[1], key: decodeURIComponent(match[2]) } : null;
}

function unquote(etag) {
  return String(etag).trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

async function currentETag(store, bucket, key) {
  try {
    return unquote((await store.getMetadata(bucket, key)).etag);
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

function preconditionFailed(ctx, condition) {
  const error = new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
  ctx.status = error.status;
  ctx.type = 'application/xml';
  ctx.body = error.toXML();
}

async function conditionalPutObject(ctx, next) {
  const target = bucketAndKey(ctx.path);
  if (!target) return next();
  await holdKeyUntilResponded(ctx, `${target.bucket}/${target.key}`);

  if (isPlainPutObject(ctx)) {
    const noneMatch = ctx.get('if-none-match');
    const match = ctx.get('if-match');
    if (noneMatch || match) {
      const etag = await currentETag(ctx.app.store, target.bucket, target.key);
      if (noneMatch && noneMatch.trim() === '*' && etag !== null) return preconditionFailed(ctx, 'If-None-Match');
      if (match && (etag === null || unquote(match) !== etag)) return preconditionFailed(ctx, 'If-Match');
    }
  }
  return next();
}

// s3rver's FilesystemStore.putObject answers before the object's file is written (it resolves when the data has been
// handed to the write stream, not when the stream has finished), so even a read ordered after the PUT's response
// can see a half-written file. This version resolves only once the file is complete; the rest is as s3rver does it.
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const [size, md5] = await new Promise((resolve, reject) => {
    const md5Context = crypto.createHash('md5');
    let totalLength = 0;
    const writeStream = fs.createWriteStream(objectPath)
      .on('error', reject)
      .on('finish', () => resolve([totalLength, md5Context.digest('hex')]));
    const count = chunk => {
      md5Context.update(chunk);
      totalLength += chunk.length;
    };
    if (Buffer.isBuffer(object.content)) {
      count(object.content);
      writeStream.end(object.content);
      return;
    }
    object.content
      .on('error', reject)
      .pipe(new Transform({
        transform(chunk, encoding, callback) {
          count(chunk);
          callback(null, chunk);
        },
      }))
      .on('error', reject)
      .pipe(writeStream);
  });
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
};

// Koa composes app.middleware when the server is created, after s3rver's constructor has added its own.
const createHandler = S3rver.prototype.callback;
S3rver.prototype.callback = function callback() {
  if (!this.middleware.includes(conditionalPutObject)) this.middleware.unshift(conditionalPutObject);
  return createHandler.call(this);
};

// The README's defaults (loopback, port 4568, data in ./data/s3, a bucket 'backups'), each added only when the command
// line does not give it: they used to be in package.json's script, so `npm run s3 -- --port 4599` echoed both ports
// (the later one won, but the echoed command read as a mistake).
const defaults = [
  [['-a', '--address'], ['--address', '127.0.0.1']],
  [['-p', '--port'], ['--port', '4568']],
  [['-d', '--directory'], ['--directory', './data/s3']],
  [['--configure-bucket'], ['--configure-bucket', 'backups']],
];
const given = process.argv.slice(2).map((a) => a.split('=')[0]);
for (const [names, option] of defaults) {
  if (!names.some((n) => given.includes(n))) process.argv.push(...option);
}

// The stock command line: same options, same startup.
require('s3rver/bin/s3rver.js');
