// A JavaScript app built with componentize-js for a `wasi:cli/command@0.2.0` world (`wit/world.wit`).
//
// It observes what the host (and the policy in front of it) lets it see, one line per
// observation, catching every failure the way a JS program does: a thrown error or a rejected
// promise. StarlingMonkey offers the web platform (`fetch`, `crypto`, `Date`, `console`), and
// WASI interfaces it has no JS API for (environment, files, stdin) are imported as ES modules.
// The tests in `tests/tests/toolchains.rs` assert on these lines.
//
// argv[1], if present, is a `HOST:PORT` to fetch `http://HOST:PORT/` from.

import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.0';
import { getStdin } from 'wasi:cli/stdin@0.2.0';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.0';

// A WASI error (thrown by the bindings with the WIT error as `payload`) or a JS error.
function describe(error) {
  const payload = error?.payload;
  if (typeof payload === 'string') return payload;
  if (payload && typeof payload === 'object' && 'tag' in payload) return payload.tag;
  if (error instanceof Error) {
    return error.message ? `${error.name}: ${error.message.split('\n')[0]}` : error.name;
  }
  return String(error);
}

function observeEnv() {
  const env = new Map(getEnvironment());
  for (const name of ['SECRET_TOKEN', 'HOME', 'LANG']) {
    console.log(`env ${name}=${env.get(name) ?? 'missing'}`);
  }
  console.log(`env count=${env.size}`);
}

function dataDir() {
  const found = getDirectories().find(([, path]) => path === '/data');
  if (!found) {
    const error = new Error('no preopened /data');
    error.name = 'NotFound';
    throw error;
  }
  return found[0];
}

function observeRead() {
  try {
    const file = dataDir().openAt({}, 'data.txt', {}, { read: true });
    const [bytes] = file.read(4096n, 0n);
    console.log(`read data.txt=${new TextDecoder().decode(bytes).trim()}`);
  } catch (error) {
    console.log(`read data.txt=${describe(error)}`);
  }
}

function observeWrite() {
  try {
    const file = dataDir().openAt(
      {},
      'out.txt',
      { create: true, truncate: true },
      { write: true },
    );
    file.write(new TextEncoder().encode('written by js\n'), 0n);
    console.log('write out.txt=ok');
  } catch (error) {
    console.log(`write out.txt=${describe(error)}`);
  }
}

function observeTimeAndRandom() {
  console.log(`time=${new Date().toISOString()}`);
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  console.log(`random=${hex}`);
}

async function observeFetch(address) {
  if (address === undefined) {
    console.log('connect=no-address');
    return;
  }
  try {
    const response = await fetch(`http://${address}/`);
    await response.text();
    console.log('connect=ok');
  } catch (error) {
    console.log(`connect=${describe(error)}`);
  }
}

function observeStdin() {
  let total = 0;
  try {
    const stdin = getStdin();
    for (;;) {
      let chunk;
      try {
        chunk = stdin.blockingRead(65536n);
      } catch (error) {
        if (describe(error) === 'closed') break;
        throw error;
      }
      total += chunk.length;
    }
    console.log(`stdin=${total}`);
  } catch (error) {
    console.log(`stdin=${describe(error)}`);
  }
}

export const run = {
  async run() {
    observeEnv();
    observeRead();
    observeWrite();
    observeTimeAndRandom();
    await observeFetch(getArguments()[1]);
    observeStdin();
    console.log('done');
  },
};
