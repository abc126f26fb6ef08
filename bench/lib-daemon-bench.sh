# Helpers shared by the benchmarks that drive real `kiban server` processes (sourced, not run;
# its name keeps it out of bench/bench.sh's bench-*.sh loop). Expects KIBAN and DIR.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for SECONDS COMMAND...: polls every 100 ms until COMMAND succeeds.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) > deadline )); then echo "timed out waiting for: $*" >&2; exit 1; fi
    sleep 0.1
  done
}
# k I ARGS...: the CLI against member I's socket.
k() { local i=$1; shift; "$KIBAN" "$@" --socket "$DIR/m$i/kiban.sock"; }
three_voters() {
  [ "$(k 1 status -o json | python3 -c 'import json,sys; print(sum(m["role"] == "voter" for m in json.load(sys.stdin)["members"]))')" = 3 ]
}
