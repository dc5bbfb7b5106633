#!/usr/bin/env node
'use strict';

// Why this launcher exists: `npm run azurite` is how the README starts a local Azure Blob Storage to try az://
// repositories. Run bare, azurite-blob takes the first --blobPort it is given, so a port added after npm's `--` lost
// to the script's own; and it starts with no container, which a repository needs (MongoBackup never creates one) and
// which took the az CLI or Storage Explorer to create. This starts node_modules/azurite/dist/src/blob/main.js on
// 127.0.0.1 with the data in ./data/azurite, on --blobPort N when given (10000 otherwise), passes any other option on,
// and once it answers creates each --container NAME (default: mongo) in the development account devstoreaccount1
// with a Shared Key request (the account's published development key, no secret), as
// https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key describes.

const { spawn } = require('child_process');
const crypto = require('crypto');
const http = require('http');
const path = require('path');

const account = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Splits our own options (--blobPort, --container) from those passed on to Azurite. */
function parseArguments(argv) {
  const options = { port: 10000, containers: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (name === '--blobPort') options.port = Number(value());
    else if (name === '--container') options.containers.push(value());
    else options.rest.push(argv[i]);
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new Error(`--blobPort must be a port number (1-65535), not '${options.port}'.`);
  }
  if (options.containers.length === 0) options.containers.push('mongo');
  return options;
}

/** PUT /account/container?restype=container signed with Shared Key; resolves with the HTTP status. */
function createContainer(port, container) {
  const date = new Date().toUTCString();
  const version = '2021-08-06';
  const stringToSign = ['PUT', '', '', '', '', '', '', '', '', '', '', '',
    `x-ms-date:${date}`, `x-ms-version:${version}`,
    `/${account}/${account}/${container}\nrestype:container`].join('\n');
  const signature = crypto.createHmac('sha256', Buffer.from(accountKey, 'base64')).update(stringToSign, 'utf8').digest('base64');
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1', port, method: 'PUT', path: `/${account}/${container}?restype=container`,
      headers: { 'x-ms-date': date, 'x-ms-version': version, 'Content-Length': 0, Authorization: `SharedKey ${account}:${signature}` },
    }, (response) => { response.resume(); response.on('end', () => resolve(response.statusCode)); });
    request.on('error', reject);
    request.end();
  });
}

/** Creates each container once Azurite answers (201 created, 409 already there), retrying while it starts. */
async function createContainers(port, containers) {
  const deadline = Date.now() + 60_000;
  for (const container of containers) {
    for (;;) {
      try {
        const status = await createContainer(port, container);
        if (status === 201 || status === 409) {
          console.log(`Container '${container}' is ready: az://${account}/${container} with -Endpoint http://127.0.0.1:${port}/${account}`);
          break;
        }
        throw new Error(`creating container '${container}' answered HTTP ${status}`);
      } catch (error) {
        if (error.code !== 'ECONNREFUSED' || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

const options = parseArguments(process.argv.slice(2));
const azurite = spawn(process.execPath, [
  path.join(__dirname, 'node_modules/azurite/dist/src/blob/main.js'),
  '--blobHost', '127.0.0.1', '--blobPort', String(options.port), '--location', path.join(__dirname, 'data/azurite'),
  '--skipApiVersionCheck', ...options.rest,
], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => azurite.kill(signal));
azurite.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
createContainers(options.port, options.containers).catch((error) => {
  console.error(`Could not create the containers: ${error.message}`);
  azurite.kill('SIGTERM');
});
