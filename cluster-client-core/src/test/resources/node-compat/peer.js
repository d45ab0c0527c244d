'use strict';

/*
 * Node.js peer for the wire-compatibility tests: runs the ORIGINAL cluster-client (3.7.0) as leader or
 * follower of a cluster, driven by line commands on stdin, answering one line per event on stdout.
 *
 * Usage:
 *   node peer.js --role leader|follower --port <n> --name <channelName> [--response-timeout ms]
 *                [--heartbeat-interval ms] [--max-wait-time ms]
 *                [--ready-delay ms] [--ready-error message] [--stay-after-ready-failure]
 *                [--transcode json|default]
 *
 * --transcode json (the default of this script) passes a plain-JSON transcode; --transcode default passes
 * none, so the original uses its own default, serialize-json. In command arguments, {"$buffer": base64}
 * stands for a Buffer and {"$date": ms} for a Date; output prints Buffers, Dates and Errors the same way
 * ({"$error": {name, message, code}}), so that the tests see the types the original received.
 *
 * stdin (one command a line):
 *   call <method> <JSON array of args>   -> RESULT <method> <JSON result> | ERROR <method> <JSON {name,message,code}>
 *   oneway <method> <JSON array of args> -> SENT <method>            (raw oneway invoke, no answer expected)
 *   subscribe <JSON reg>                 -> OK subscribe <JSON reg>, then PUSH <JSON reg> <JSON value> per value
 *   unsubscribe <JSON reg>               -> OK unsubscribe <JSON reg>
 *   publish <JSON reg>                   -> OK publish <JSON reg>
 *   exit                                 -> BYE, exit code 0   (end of stdin does the same)
 *   anything else                        -> BAD <reason>
 *
 * stdout (unsolicited):
 *   READY <role>                         client.ready() resolved (again after a re-election: see CLOSE)
 *   READY_FAILED <JSON {name,message,code}>   then exit 2 (unless --stay-after-ready-failure)
 *   INVOKED <method> <JSON args>         the real client (exists in the leader only) was called
 *   CLIENT_ERROR <JSON {name,message,code}>   an 'error' event of the cluster client
 *   CLOSE                                the inner leader/follower closed unexpectedly; the original re-elects
 *   UNCAUGHT <JSON {name,message,code}>  an uncaught exception inside the original library (process goes on)
 *   UNHANDLED <JSON {name,message,code}> an unhandled promise rejection (process goes on)
 *
 * Logging of the library goes to stderr, so stdout carries only the lines above.
 */

const { EventEmitter } = require('events');
const readline = require('readline');
const util = require('util');
const cluster = require('cluster-client');

const INVOKE = Symbol.for('ClusterClient#invoke');

function out(line) {
  process.stdout.write(line + '\n');
}

function json(v) {
  const s = JSON.stringify(v, function (key, value) {
    const raw = this[key];
    if (Buffer.isBuffer(raw)) return { $buffer: raw.toString('base64') };
    if (raw instanceof Date) return { $date: raw.getTime() };
    if (raw instanceof Error) return { $error: { name: raw.name, message: raw.message, code: raw.code } };
    return value;
  });
  return s === undefined ? 'null' : s;
}

function errJson(err) {
  if (!(err instanceof Error)) {
    return json({ name: 'Error', message: String(err), code: null });
  }
  return json({
    name: err.name,
    message: err.message,
    code: err.code === undefined ? null : err.code,
  });
}

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = { stayAfterReadyFailure: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`missing value for ${a}`);
      return argv[++i];
    };
    const int = name => {
      const v = next();
      if (!/^\d+$/.test(v)) usage(`${name} must be a non-negative integer, got ${v}`);
      return parseInt(v, 10);
    };
    switch (a) {
      case '--role': opts.role = next(); break;
      case '--port': opts.port = int('--port'); break;
      case '--name': opts.name = next(); break;
      case '--response-timeout': opts.responseTimeout = int('--response-timeout'); break;
      case '--heartbeat-interval': opts.heartbeatInterval = int('--heartbeat-interval'); break;
      case '--max-wait-time': opts.maxWaitTime = int('--max-wait-time'); break;
      case '--ready-delay': opts.readyDelay = int('--ready-delay'); break;
      case '--ready-error': opts.readyError = next(); break;
      case '--stay-after-ready-failure': opts.stayAfterReadyFailure = true; break;
      case '--transcode': opts.transcode = next(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (opts.role !== 'leader' && opts.role !== 'follower') usage('--role must be leader or follower');
  if (!opts.port) usage('--port is required');
  if (!opts.name) usage('--name is required');
  if (opts.transcode && opts.transcode !== 'json' && opts.transcode !== 'default') usage('--transcode must be json or default');
  return opts;
}

function usage(msg) {
  process.stderr.write(`peer.js: ${msg}\n` +
    'usage: node peer.js --role leader|follower --port <n> --name <channelName> [--response-timeout ms]\n' +
    '       [--heartbeat-interval ms] [--max-wait-time ms] [--ready-delay ms] [--ready-error message]\n' +
    '       [--stay-after-ready-failure]\n');
  process.exit(64);
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------- the real client

// Arguments as the real client sees them, minus callbacks appended by the original and trailing undefined.
function traceArgs(args) {
  const list = Array.from(args).filter(a => typeof a !== 'function');
  while (list.length && list[list.length - 1] === undefined) list.pop();
  return list;
}

function invoked(method, args) {
  out(`INVOKED ${method} ${json(traceArgs(args))}`);
}

/**
 * The real client. cluster-client only needs an EventEmitter; if it has ready(cb), the leader waits for it
 * (and answers register_channel only after it), so ready(cb) is implemented to allow --ready-delay/--ready-error.
 */
class EchoClient extends EventEmitter {
  constructor(options) {
    super();
    this._listeners = new Map(); // JSON key of reg -> [listener]
    this._values = new Map(); // JSON key {dataId} -> last published value
    this._readyState = new Promise((resolve, reject) => {
      setTimeout(() => {
        if (options.readyError) {
          const err = new Error(options.readyError);
          err.name = 'EchoReadyError';
          err.code = 'E_READY';
          reject(err);
        } else {
          resolve();
        }
      }, options.readyDelay || 0);
    });
    this._readyState.catch(() => {});
  }

  ready(cb) {
    if (typeof cb === 'function') {
      this._readyState.then(() => cb(), err => cb(err));
      return undefined;
    }
    return this._readyState;
  }

  async echo(value) {
    invoked('echo', arguments);
    return value;
  }

  async add(a, b) {
    invoked('add', arguments);
    return a + b;
  }

  async fail(message) {
    invoked('fail', arguments);
    const err = new Error(message);
    err.name = 'EchoError';
    err.code = 'E_ECHO';
    throw err;
  }

  // A Buffer and a Date in, a Buffer and a Date out: inverted bytes, one second later.
  async item(it) {
    invoked('item', arguments);
    return {
      dataId: it.dataId,
      data: Buffer.from(Array.from(it.data, b => 255 - b)),
      at: new Date(it.at.getTime() + 1000),
    };
  }

  async slow(ms) {
    invoked('slow', arguments);
    await new Promise(resolve => setTimeout(resolve, ms));
    return 'slow-done';
  }

  subscribe(reg, listener) {
    invoked('subscribe', arguments);
    const key = JSON.stringify(reg);
    const list = this._listeners.get(key) || [];
    list.push(listener);
    this._listeners.set(key, list);
    if (this._values.has(key)) {
      const value = this._values.get(key);
      setImmediate(() => listener(value));
    }
  }

  publish(reg) {
    invoked('publish', arguments);
    const key = JSON.stringify({ dataId: reg && reg.dataId });
    // A reg without a value (an item: a Buffer and a Date) is itself the value.
    const value = reg && 'value' in reg ? reg.value : reg;
    this._values.set(key, value);
    for (const listener of (this._listeners.get(key) || []).slice()) {
      listener(value);
    }
  }

  unSubscribe(reg, listener) {
    invoked('unSubscribe', arguments);
    const key = JSON.stringify(reg);
    if (!listener) {
      this._listeners.delete(key);
      return;
    }
    this._listeners.set(key, (this._listeners.get(key) || []).filter(fn => fn !== listener));
  }

  close() {
    invoked('close', arguments);
    this._listeners.clear();
  }
}

// ---------------------------------------------------------------- the cluster client

const stderrLogger = {};
for (const level of [ 'debug', 'info', 'warn', 'error' ]) {
  stderrLogger[level] = (...args) => {
    process.stderr.write(`[${level}] ${util.format(...args)}\n`);
  };
}

const clusterOptions = {
  name: opts.name,
  port: opts.port,
  isLeader: opts.role === 'leader',
  logger: stderrLogger,
};
if (opts.transcode !== 'default') {
  clusterOptions.transcode = {
    // JSON.stringify(undefined) is undefined, and Buffer.from(undefined) throws: send 'null' instead
    encode: v => Buffer.from(JSON.stringify(v) === undefined ? 'null' : JSON.stringify(v)),
    decode: b => JSON.parse(b),
  };
}
if (opts.responseTimeout !== undefined) clusterOptions.responseTimeout = opts.responseTimeout;
if (opts.heartbeatInterval !== undefined) clusterOptions.heartbeatInterval = opts.heartbeatInterval;
if (opts.maxWaitTime !== undefined) clusterOptions.maxWaitTime = opts.maxWaitTime;

process.on('uncaughtException', err => out(`UNCAUGHT ${errJson(err)}`));
process.on('unhandledRejection', err => out(`UNHANDLED ${errJson(err)}`));

const client = cluster(EchoClient, clusterOptions)
  .delegate('echo', 'invoke')
  .delegate('add', 'invoke')
  .delegate('fail', 'invoke')
  .delegate('slow', 'invoke')
  .delegate('item', 'invoke')
  .create({ readyDelay: opts.readyDelay, readyError: opts.readyError });

let exiting = false;
client.on('error', err => out(`CLIENT_ERROR ${errJson(err)}`));
client.on('close', () => {
  if (exiting) return;
  out('CLOSE');
  client.ready().then(() => out(`READY ${opts.role}`), () => {});
});

client.ready().then(() => out(`READY ${opts.role}`), err => {
  out(`READY_FAILED ${errJson(err)}`);
  if (!opts.stayAfterReadyFailure) {
    exiting = true;
    process.exit(2);
  }
});

// ---------------------------------------------------------------- commands

const listeners = new Map(); // JSON key of reg -> [listener] registered by this script

function revive(key, value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.$buffer === 'string') return Buffer.from(value.$buffer, 'base64');
    if (typeof value.$date === 'number') return new Date(value.$date);
  }
  return value;
}

function parseJson(text, what) {
  try {
    return { value: JSON.parse(text, revive) };
  } catch (err) {
    return { bad: `${what} is not JSON: ${err.message}` };
  }
}

function doCall(method, args) {
  let promise;
  try {
    if (typeof client[method] === 'function') {
      promise = Promise.resolve(client[method](...args));
    } else {
      // not delegated here: a raw invoke of the method on the leader
      promise = new Promise((resolve, reject) => {
        client[INVOKE](method, args, (err, result) => (err ? reject(err) : resolve(result)));
      });
    }
  } catch (err) {
    promise = Promise.reject(err);
  }
  promise.then(
    result => out(`RESULT ${method} ${json(result)}`),
    err => out(`ERROR ${method} ${errJson(err)}`));
}

async function handle(line) {
  const text = line.trim();
  if (!text) return;
  const sp = text.indexOf(' ');
  const cmd = sp < 0 ? text : text.slice(0, sp);
  const rest = sp < 0 ? '' : text.slice(sp + 1).trim();

  switch (cmd) {
    case 'call':
    case 'oneway': {
      const sp2 = rest.indexOf(' ');
      const method = sp2 < 0 ? rest : rest.slice(0, sp2);
      const argText = sp2 < 0 ? '[]' : rest.slice(sp2 + 1).trim();
      if (!method) return out(`BAD ${cmd} needs a method`);
      const parsed = parseJson(argText, 'arguments');
      if (parsed.bad) return out(`BAD ${parsed.bad}`);
      if (!Array.isArray(parsed.value)) return out('BAD arguments must be a JSON array');
      if (cmd === 'call') {
        doCall(method, parsed.value);
      } else {
        try {
          client[INVOKE](method, parsed.value);
          out(`SENT ${method}`);
        } catch (err) {
          out(`ERROR ${method} ${errJson(err)}`);
        }
      }
      return;
    }
    case 'subscribe':
    case 'unsubscribe':
    case 'publish': {
      if (!rest) return out(`BAD ${cmd} needs a JSON reg`);
      const parsed = parseJson(rest, 'reg');
      if (parsed.bad) return out(`BAD ${parsed.bad}`);
      const reg = parsed.value;
      if (reg === null || typeof reg !== 'object' || Array.isArray(reg)) return out('BAD reg must be a JSON object');
      const key = json(reg);
      try {
        if (cmd === 'subscribe') {
          const listener = value => out(`PUSH ${key} ${json(value)}`);
          const list = listeners.get(key) || [];
          list.push(listener);
          listeners.set(key, list);
          client.subscribe(reg, listener);
        } else if (cmd === 'unsubscribe') {
          const list = listeners.get(key) || [];
          listeners.delete(key);
          if (list.length === 0) {
            client.unSubscribe(reg);
          } else {
            for (const listener of list) client.unSubscribe(reg, listener);
          }
        } else {
          client.publish(reg);
        }
        out(`OK ${cmd} ${key}`);
      } catch (err) {
        out(`ERROR ${cmd} ${errJson(err)}`);
      }
      return;
    }
    case 'exit':
      return shutdown();
    default:
      return out(`BAD unknown command ${json(cmd)}`);
  }
}

async function shutdown() {
  if (exiting) return;
  exiting = true;
  try {
    await client.close();
  } catch (err) {
    out(`CLIENT_ERROR ${errJson(err)}`);
  }
  out('BYE');
  process.exit(0);
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', line => {
  handle(line).catch(err => out(`BAD ${json(String(err && err.message))}`));
});
rl.on('close', () => { shutdown(); });
