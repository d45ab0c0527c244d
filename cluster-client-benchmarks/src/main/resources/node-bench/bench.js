'use strict';

/*
 * Node.js side of the cluster-client benchmarks: a process of a cluster of the ORIGINAL library
 * (cluster-client 3.7.0, plain-JSON transcode), driven by the Java harness exactly like its Java
 * workers (io.clusterclient.benchmarks.workload.Workloads): one JSON command a line on stdin, one
 * "RESULT <json>" or "ERROR <message>" line on stdout.
 *
 *   node bench.js leader|member|startup|footprint PORT NAME
 *
 * Timestamps are process.hrtime.bigint(), which on Linux reads CLOCK_MONOTONIC like Java's
 * System.nanoTime(); nanosecond instants travel as decimal strings (they exceed 2^53).
 * The library's own logging goes to stderr.
 */

const { EventEmitter } = require('events');
const readline = require('readline');
const util = require('util');
const fs = require('fs');
const cluster = require('cluster-client');

const [ mode, portArg, name ] = process.argv.slice(2);
const port = parseInt(portArg, 10);
const now = () => process.hrtime.bigint();
const started = now();
const PAYLOAD_64 = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const IS_READY = Symbol.for('ClusterClient#isReady');

function say(line) {
  process.stdout.write(line + '\n');
}

say(`STARTED ${started}`);

/** The real client: answers at once, like the Java RealEchoService. */
class EchoClient extends EventEmitter {
  constructor() {
    super();
    this._listeners = new Map();
  }

  async echo(value) {
    return value;
  }

  subscribe(reg, listener) {
    const list = this._listeners.get(reg.dataId) || [];
    list.push(listener);
    this._listeners.set(reg.dataId, list);
  }

  publish(reg) {
    for (const listener of (this._listeners.get(reg.dataId) || []).slice()) {
      listener(reg.value);
    }
  }

  close() {
    this._listeners.clear();
  }
}

const logger = {};
for (const level of [ 'debug', 'info', 'warn', 'error' ]) {
  logger[level] = (...args) => process.stderr.write(`[${level}] ${util.format(...args)}\n`);
}

function footprint() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /^Threads:\s+(\d+)/m.exec(status);
  return { threads: m ? parseInt(m[1], 10) : -1, heapUsed: process.memoryUsage().heapUsed };
}

function diff(after, before) {
  return {
    threadsAdded: after.threads - before.threads,
    heapAddedBytes: after.heapUsed - before.heapUsed,
    newThreads: [],
  };
}

const before = mode === 'footprint' ? footprint() : null;
const options = {
  name,
  port,
  logger,
  transcode: {
    encode: v => Buffer.from(JSON.stringify(v === undefined ? null : v)),
    decode: b => JSON.parse(b),
  },
};
if (mode === 'leader') options.isLeader = true;
const creating = now();
const client = cluster(EchoClient, options).delegate('echo', 'invoke').create();
client.on('error', err => process.stderr.write(`[client error] ${err && err.stack}\n`));

function role() {
  if (!client[IS_READY]) return 'ELECTING';
  return client.isClusterClientLeader ? 'LEADER' : 'FOLLOWER';
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

async function sleepUntil(deadline) {
  for (;;) {
    const left = Number(deadline - now()) / 1e6;
    if (left <= 0) return;
    await sleep(Math.min(left, 50));
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
}

function schedule(cmd) {
  const start = cmd.startAt ? BigInt(cmd.startAt) : now();
  const warmupEnd = start + BigInt(cmd.warmupMs || 1000) * 1000000n;
  const roundNanos = BigInt(cmd.roundMs || 1000) * 1000000n;
  return {
    start,
    warmupEnd,
    rounds: cmd.rounds || 3,
    roundEnd: r => warmupEnd + BigInt(r + 1) * roundNanos,
  };
}

// ---- (a) one call at a time
async function seq(cmd) {
  const s = schedule(cmd);
  await sleepUntil(s.start);
  let errors = 0;
  while (now() < s.warmupEnd) {
    try { await client.echo(PAYLOAD_64); } catch (e) { errors++; }
  }
  const rounds = [];
  for (let r = 0; r < s.rounds; r++) {
    const end = s.roundEnd(r);
    const lat = [];
    const first = now();
    let last = first;
    while (last < end) {
      const t = last;
      try { await client.echo(PAYLOAD_64); } catch (e) { errors++; }
      last = now();
      lat.push(Number(last - t));
    }
    lat.sort((x, y) => x - y);
    const seconds = Number(last - first) / 1e9;
    rounds.push({
      calls: lat.length,
      seconds,
      callsPerSec: lat.length / seconds,
      p50us: percentile(lat, 0.5) / 1e3,
      p99us: percentile(lat, 0.99) / 1e3,
    });
  }
  return { rounds, errors };
}

// ---- (b), (c), (d): a window of calls in flight
async function inflight(cmd) {
  const s = schedule(cmd);
  const window = cmd.window || 64;
  const bytes = cmd.kind === 'bytes';
  const size = cmd.size || 64;
  // byte[] travels as base64 in the Java JSON codec; the same string here, decoded back like Java does.
  const payload = bytes ? Buffer.alloc(size, 7).toString('base64') : PAYLOAD_64;
  let completed = 0;
  let errors = 0;
  let stop = false;
  await sleepUntil(s.start);
  const chains = [];
  for (let i = 0; i < window; i++) {
    chains.push((async () => {
      while (!stop) {
        try {
          const v = await client.echo(payload);
          if (bytes) Buffer.from(v, 'base64');
          completed++;
        } catch (e) {
          errors++;
          await sleep(1);
        }
      }
    })());
  }
  await sleepUntil(s.warmupEnd);
  const rounds = [];
  let startCount = completed;
  let startTime = now();
  for (let r = 0; r < s.rounds; r++) {
    await sleepUntil(s.roundEnd(r));
    const count = completed;
    const time = now();
    const seconds = Number(time - startTime) / 1e9;
    const n = count - startCount;
    rounds.push({ calls: n, seconds, callsPerSec: n / seconds, mbPerSec: n * size / seconds / 1e6 });
    startCount = count;
    startTime = time;
  }
  stop = true;
  await Promise.race([ Promise.all(chains), sleep(10000) ]);
  return { rounds, errors, undrained: 0 };
}

// ---- (e) publish to subscribed followers
const received = [];
function subscribe(cmd) {
  client.subscribe({ dataId: cmd.dataId }, value => {
    const t = now();
    const colon = value.indexOf(':');
    received.push([ value.slice(0, colon), Number(t - BigInt(value.slice(colon + 1))) ]);
  });
  return {};
}

function collect() {
  const out = { seq: received.map(r => Number(r[0])), latNs: received.map(r => r[1]) };
  received.length = 0;
  return out;
}

async function publish(cmd) {
  const interval = BigInt(cmd.intervalUs || 5000) * 1000n;
  const start = now();
  for (let i = 0; i < cmd.count; i++) {
    await sleepUntil(start + BigInt(i) * interval);
    client.publish({ dataId: cmd.dataId, value: `${cmd.seq0 + i}:${now()}` });
  }
  return { published: cmd.count };
}

// ---- (f) failover: background load
let loading = false;
let lastSuccess = 0n;
let maxSilence = 0n;
let windowStart = 1n << 62n;
let failures = 0;
let calls = 0;
let lastError = null;

function load(cmd) {
  if (!loading) {
    loading = true;
    lastSuccess = now();
    for (let i = 0; i < (cmd.threads || 2); i++) {
      (async () => {
        while (loading) {
          try {
            await client.echo(PAYLOAD_64);
            const t = now();
            const prev = lastSuccess;
            if (t > lastSuccess) lastSuccess = t;
            if (prev >= windowStart && t > prev && t - prev > maxSilence) maxSilence = t - prev;
          } catch (e) {
            failures++;
            lastError = String(e && e.message);
          }
          calls++;
          await new Promise(resolve => setImmediate(resolve));
        }
      })();
    }
  }
  return {};
}

function mark() {
  maxSilence = 0n;
  failures = 0;
  calls = 0;
  lastError = null;
  windowStart = now();
  return { now: String(windowStart) };
}

function stat() {
  return {
    role: role(),
    lastSuccess: String(lastSuccess),
    maxSilence: String(maxSilence),
    failures,
    calls,
    lastError,
    now: String(now()),
  };
}

const ops = {
  clock: () => ({ now: String(now()) }),
  seq,
  inflight,
  subscribe,
  collect,
  publish,
  load,
  mark,
  stat,
};

async function runFootprint(readyAt) {
  const afterReady = footprint();
  for (let done = 0; done < 1000; done += 64) {
    const batch = [];
    for (let i = 0; i < 64 && done + i < 1000; i++) batch.push(client.echo(PAYLOAD_64));
    await Promise.all(batch);
  }
  const afterCalls = footprint();
  say('FOOTPRINT ' + JSON.stringify({
    afterReady: diff(afterReady, before),
    afterCalls: diff(afterCalls, before),
    role: role(),
  }));
  await client.close();
  process.exit(0);
}

client.ready().then(() => {
  const readyAt = now();
  const readyLine = JSON.stringify({
    role: role(),
    pid: process.pid,
    mainNanos: String(started),
    createNanos: String(creating),
    readyNanos: String(readyAt),
  });
  if (mode === 'footprint') {
    runFootprint(readyAt).catch(err => {
      say(`ERROR footprint: ${err && err.stack}`);
      process.exit(1);
    });
    return;
  }
  say(`READY ${readyLine}`);
  if (mode === 'startup') {
    process.exit(0);
  }
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', line => {
    if (!line.trim()) return;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (e) {
      say(`ERROR not JSON: ${line}`);
      return;
    }
    if (cmd.op === 'exit') {
      loading = false;
      Promise.resolve(client.close()).finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
      return;
    }
    const op = ops[cmd.op];
    if (!op) {
      say(`ERROR unknown op ${cmd.op}`);
      return;
    }
    Promise.resolve()
      .then(() => op(cmd))
      .then(result => say(`RESULT ${JSON.stringify(result)}`),
        err => say(`ERROR ${cmd.op}: ${err && err.stack}`));
  });
  rl.on('close', () => process.exit(0));
}, err => {
  say(`ERROR ready: ${err && err.stack}`);
  process.exit(2);
});
