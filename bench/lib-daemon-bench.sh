# Helpers shared by the benchmarks that drive real `kiban server` processes (sourced, not run;
# its name keeps it out of bench/bench.sh's bench-*.sh loop). Expects KIBAN and DIR (see bench_setup).

# bench_setup NAME: sets KIBAN to a release build unless it is set (for example to the package's
# binary in .build-release), DIR to a new temporary directory and PIDS to an empty list; on exit
# every process in PIDS is killed and DIR removed.
bench_setup() {
  if [ -z "${KIBAN:-}" ]; then
    echo "building kiban (release)" >&2
    ${BUILD_LOCK:+flock "$BUILD_LOCK"} nice -n 10 swift build -c release --product kiban >/dev/null
    KIBAN=$(swift build -c release --show-bin-path)/kiban
  fi
  DIR=$(mktemp -d "/tmp/kiban-bench-$1.XXXXXX")
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
}
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

# start_cluster NAME: three `kiban server` processes named NAME-1..3 on 127.0.0.1 with free ports
# and their data under $DIR/mI (each with $DIR/mI/kiban.yaml if the caller wrote one), one cluster
# of three voters; sets LEADER (its name), L (its number) and LPID (its process).
start_cluster() {
  local i
  for i in 1 2 3; do
    mkdir -p "$DIR/m$i"; [ -f "$DIR/m$i/kiban.yaml" ] || echo "# from flags" >"$DIR/m$i/kiban.yaml"
    "$KIBAN" server --config "$DIR/m$i/kiban.yaml" --name "$1-$i" --advertise-address 127.0.0.1 \
      --peer-port "$(free_port)" --http-port "$(free_port)" --dhcp-port "$(free_port)" --tftp-port "$(free_port)" \
      --data-dir "$DIR/m$i/data" --socket "$DIR/m$i/kiban.sock" >"$DIR/m$i/log" 2>&1 &
    PIDS+=($!)
    wait_for 60 test -S "$DIR/m$i/kiban.sock"
  done
  k 1 init >/dev/null
  for i in 2 3; do k 1 token create "$1-$i" | k "$i" join - >/dev/null; done
  wait_for 60 three_voters
  LEADER=$(k 1 status -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["leader"])'); L=${LEADER#"$1"-}
  LPID=${PIDS[$((L - 1))]}
}
