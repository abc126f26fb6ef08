#!/usr/bin/env python3
"""boot-storm.py BASE_URL[,BASE_URL…] N CONCURRENCY [--serial-prefix P]

Simulates N machines booting at once over HTTP, as iPXE does: GET /boot/ipxe, follow its
`chain` to the machine's script (${serial:uristring} filled in), then GET the kernel and
initrd URLs that script names (following redirects). Machine i uses BASE_URL[i % len]. Prints
one JSON line: seconds until every machine had everything, bytes, errors.
"""
import http.client, json, re, sys, threading, time, urllib.parse

def fetch(url, hops=5):
    for _ in range(hops):
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("GET", u.path)
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status in (301, 302, 307):
            url = r.getheader("Location"); continue
        if r.status != 200:
            raise RuntimeError(f"{r.status} for {url}")
        return body
    raise RuntimeError(f"too many redirects for {url}")

def boot(base, serial):
    entry = fetch(base + "/boot/ipxe").decode()
    chain = re.search(r"chain (?:--autofree )?(\S+)", entry).group(1).replace("${serial:uristring}", serial)
    script = fetch(chain).decode()
    kernel = re.search(r"^kernel (\S+)", script, re.M).group(1)
    initrd = re.search(r"^initrd (?:--name \S+ )?(\S+)", script, re.M).group(1)
    return len(fetch(kernel)) + len(fetch(initrd))

def main():
    bases, n, conc = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])
    prefix = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--serial-prefix" else "BENCH-"
    lock = threading.Lock(); state = {"next": 0, "bytes": 0, "errors": 0, "first_error": ""}
    def worker():
        while True:
            with lock:
                i = state["next"]; state["next"] += 1
            if i >= n: return
            try:
                b = boot(bases[i % len(bases)], f"{prefix}{i:05d}")
                with lock: state["bytes"] += b
            except Exception as e:  # counted, the storm goes on
                with lock:
                    state["errors"] += 1; state["first_error"] = state["first_error"] or str(e)
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"machines": n, "seconds": round(time.monotonic() - t0, 2), "bytes": state["bytes"],
                      "errors": state["errors"], "first_error": state["first_error"]}))

main()
