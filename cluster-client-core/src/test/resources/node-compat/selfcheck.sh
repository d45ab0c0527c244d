#!/usr/bin/env bash
# Self-check of peer.js against itself: a Node leader and a Node follower of the original cluster-client.
# Usage: bash selfcheck.sh   (needs node and npm; installs into a temporary directory, removed afterwards)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/peer.js" "$work/"
[ -f "$here/package-lock.json" ] && cp "$here/package-lock.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts >npm-install.log 2>&1) \
  || { tail -20 "$work/npm-install.log"; exit 1; }

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
cd "$work"
(sleep 6; echo exit) | node peer.js --role leader --port "$port" --name EchoClient >leader.out 2>leader.err &
leader=$!
sleep 0.5
{
  echo 'call echo ["hi"]'
  echo 'call add [2,3]'
  echo 'call fail ["boom"]'
  echo 'subscribe {"dataId":"d1"}'
  sleep 0.5
  echo 'publish {"dataId":"d1","value":{"x":1}}'
  sleep 0.5
  echo 'call slow [200]'
  echo 'garbage'
  sleep 1
  echo exit
} | node peer.js --role follower --port "$port" --name EchoClient >follower.out 2>follower.err
wait "$leader"

echo "--- leader stdout"; cat leader.out
echo "--- follower stdout"; cat follower.out
fail=0
expect() { grep -qxF -- "$2" "$1" || { echo "MISSING in $1: $2"; fail=1; }; }
expect leader.out 'READY leader'
expect leader.out 'INVOKED echo ["hi"]'
expect leader.out 'INVOKED add [2,3]'
expect leader.out 'INVOKED fail ["boom"]'
expect leader.out 'INVOKED subscribe [{"dataId":"d1"}]'
expect leader.out 'INVOKED publish [{"dataId":"d1","value":{"x":1}}]'
expect leader.out 'BYE'
expect follower.out 'READY follower'
expect follower.out 'RESULT echo "hi"'
expect follower.out 'RESULT add 5'
expect follower.out 'ERROR fail {"name":"EchoError","message":"boom","code":"E_ECHO"}'
expect follower.out 'PUSH {"dataId":"d1"} {"x":1}'
expect follower.out 'RESULT slow "slow-done"'
expect follower.out 'BAD unknown command "garbage"'
expect follower.out 'BYE'
if [ "$fail" = 0 ]; then echo "selfcheck: 15 passed, 0 failed"; else echo "selfcheck: FAILED"; exit 1; fi
