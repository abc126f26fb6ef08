#!/usr/bin/env bash
# libFuzzer on the HTTP request parser: compiles the parser's source files (pure Swift, no
# imports) with fuzz/HTTPParserFuzzer.swift under -sanitize=fuzzer,address and runs it for
# FUZZ_SECONDS (default 60), with a corpus in .build/fuzz-http-corpus. A crash leaves its input
# in .build/fuzz-http-crash-…; `.build/fuzz-http .build/fuzz-http-crash-…` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
P=Sources/KibanIO/HTTP
mkdir -p .build/fuzz-http-corpus
nice -n 10 swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name KibanHTTPFuzz \
  "$P/HTTPRequestParser.swift" "$P/HTTPRequestHead.swift" "$P/RequestLine.swift" "$P/HTTPBytes.swift" \
  "$P/HTTPStatus.swift" fuzz/HTTPParserFuzzer.swift -o .build/fuzz-http
printf 'GET /a%%20b?x=1 HTTP/1.1\r\nHost: h\r\nRange: bytes=0-9\r\n\r\n' > .build/fuzz-http-corpus/seed-get
nice -n 10 .build/fuzz-http -max_total_time="${FUZZ_SECONDS:-60}" -max_len=2048 -print_final_stats=1 \
  -artifact_prefix=.build/fuzz-http- \
  .build/fuzz-http-corpus
