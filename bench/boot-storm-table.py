#!/usr/bin/env python3
"""boot-storm-table.py DIR N ROUNDS C: the table of bench/bench-boot.sh.

Reads, per system (kiban, ref) and round, what bench-boot.sh left in DIR: perfdhcp's avalanche
report (perfdhcp-SYS-ROUND.out), boot-storm.py's JSON line (http-SYS-ROUND.json) and the
servers' CPU seconds of each phase (dhcp-cpu-*, http-cpu-*). Prints one Markdown table. The
total is DHCP time + HTTP time: every machine has its address before the first fetches, so
it is the time until the last machine had everything.
"""
import json
import os
import re
import sys

NAMES = {"kiban": "Kiban (3 members)", "ref": "dnsmasq + nginx"}


def dhcp(path, n):
    """Seconds to provision all N clients (None if perfdhcp stopped first), clients left without a lease, resends."""
    text = open(path).read() if os.path.exists(path) else ""
    took = re.search(r"It took (\d+):(\d+):([\d.]+) to provision (\d+) clients", text)
    seconds = int(took.group(1)) * 3600 + int(took.group(2)) * 60 + float(took.group(3)) if took else None
    ack = re.search(r"Statistics for: REQUEST-ACK\*\*\*.*?received packets: (\d+)", text, re.S)
    acked = min(n, int(ack.group(1))) if ack else 0
    resent = re.search(r"Requests resent: (\d+)", text)
    # perfdhcp -u: an address ACKed to two clients (OFFERs repeat when a client retransmits)
    twice = re.search(r"Statistics for: REQUEST-ACK\*\*\*.*?non unique addresses: (\d+)", text, re.S)
    twice = int(twice.group(1)) if twice else None
    return (seconds if took and int(took.group(4)) == n else None, n - acked,
            int(resent.group(1)) if resent else None, twice)


def number(path):
    try:
        return float(open(path).read().strip())
    except (OSError, ValueError):
        return None


def cell(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def main():
    d, n, rounds, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(f"| system | N | round | DHCP s | no lease | DHCP drops (resent) | HTTP s (C={c}) | HTTP errors | total s "
          "| boot p50 / p99 s | server CPU s DHCP / HTTP |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    notes = []
    for r in range(1, rounds + 1):
        for sys_ in ("kiban", "ref"):
            dhcp_s, left, resent, twice = dhcp(f"{d}/perfdhcp-{sys_}-{r}.out", n)
            notes.append(f"{NAMES[sys_]} round {r}: perfdhcp -u saw {twice} addresses ACKed to two clients")
            if sys_ == "kiban" and os.path.exists(f"{d}/replicated-{r}"):
                notes.append(f"{NAMES[sys_]} round {r}: " + "; ".join(open(f"{d}/replicated-{r}").read().split("\n")).strip("; "))
            try:
                http = json.load(open(f"{d}/http-{sys_}-{r}.json"))
            except (OSError, ValueError):
                http = {"seconds": None, "errors": n, "first_error": "no result", "boot_p50_s": None, "boot_p99_s": None}
            http_s = http["seconds"] if http["errors"] == 0 else None
            total = dhcp_s + http_s if dhcp_s is not None and http_s is not None and left == 0 else None
            print(f"| {NAMES[sys_]} | {n} | {r} | {cell(dhcp_s)} | {left} | {resent if resent is not None else '–'} "
                  f"| {cell(http['seconds'])} | {http['errors']} | {cell(total)} "
                  f"| {cell(http['boot_p50_s'])} / {cell(http['boot_p99_s'])} "
                  f"| {cell(number(f'{d}/dhcp-cpu-{sys_}-{r}'), 1)} / {cell(number(f'{d}/http-cpu-{sys_}-{r}'), 1)} |")
    print("\n".join(notes))
    for r in range(1, rounds + 1):
        for sys_ in ("kiban", "ref"):
            try:
                http = json.load(open(f"{d}/http-{sys_}-{r}.json"))
            except (OSError, ValueError):
                continue
            if http.get("first_error"):
                print(f"{NAMES[sys_]} round {r}, first HTTP error: {http['first_error']}")
            print(f"{NAMES[sys_]} round {r}: {http['bytes'] / 1e9:.2f} GB to {http['complete']} machines, "
                  f"client CPU {http['client_cpu_s']} s")


main()
