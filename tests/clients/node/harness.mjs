// What the Node.js client programs (tests/clients/*.mjs) share: their arguments, waiting for
// a condition, and reading the runner's GO line. The libraries themselves are loaded by each
// program from ALLYDB_TEST_NODE_CLIENTS.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';

// `HOST PORT PROTOCOL` from the command line; PROTOCOL must be 2 or 3.
export function parseArguments() {
  const [host, portText, protocolText] = process.argv.slice(2);
  const protocol = Number(protocolText);
  assert.ok(protocol === 2 || protocol === 3, `PROTOCOL must be 2 or 3, not ${protocolText}`);
  return { host, port: Number(portText), protocol };
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `condition` until it holds; fails after `timeoutMs` (a hang guard, not a timing).
export async function until(name, condition, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `${name}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

// One line from the runner on stdin (GO after the restart), or '' at its end.
export async function readLine() {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line.trim();
  }
  return '';
}
