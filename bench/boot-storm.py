#!/usr/bin/env python3
"""boot-storm.py BASE_URL[,BASE_URL...] N CONCURRENCY [options]

The HTTP half of a boot storm: N machines fetch what iPXE and the booted OS fetch, C machines at
a time. Machine i (serial PREFIX + i as 5 digits) uses BASE_URL[i % len]:

  GET /boot/ipxe                      the entry script; its `chain` URL names the machine's script
  GET <chain URL, ${serial:uristring} filled in>
  GET <kernel URL>, GET <initrd URL>  from the script's `kernel` and `initrd` lines
  GET <kiban.config=URL>              the rendered configuration, when the kernel line names one

Redirects (301, 302, 307, 308) are followed, at most 5 per request. One keep-alive connection
per machine and server, as iPXE keeps them. Kernel and initrd bytes are counted and checked
against Content-Length (and --kernel-bytes / --initrd-bytes when given), never copied: the
client is asyncio with a BufferedProtocol that receives into one reused buffer, so Python does
not allocate per chunk. A request fails when connecting or a pause in its answer lasts longer
than --request-timeout; the whole storm has a deadline (--deadline). A machine that fails is
counted, and the storm goes on.

Prints one JSON line: seconds until the last machine had everything, machines complete, errors
(the first one's text), bytes, per-machine boot time p50/p99, and this client's CPU seconds.
"""
import argparse
import asyncio
import json
import re
import resource
import time
import urllib.parse

BUFFER_BYTES = 256 << 10     # one receive buffer per connection
HEAD_BYTES_MAX = 64 << 10    # a response head or kept body larger than this is an error
REDIRECTS_MAX = 5
IMAGE_LINE = r"^{} (?:--name[= ]\S+ |--\S+ )*(\S+)"   # iPXE: kernel|initrd [--name NAME] [--opt...] URL


class HTTPError(Exception):
    pass


class Connection(asyncio.BufferedProtocol):
    """One HTTP/1.1 keep-alive connection; one request at a time."""

    def __init__(self):
        self.buffer = bytearray(BUFFER_BYTES)
        self.view = memoryview(self.buffer)
        self.transport = None
        self.closed = False
        self.reply = None        # the Future of the request in flight
        self.state = "idle"      # idle | head | kept | discard
        self.filled = 0          # bytes of the head (and kept body) in the buffer
        self.progress = 0        # bytes received so far: the idle timeout watches it

    # asyncio.BufferedProtocol
    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        if self.state == "discard":
            return self.view     # bytes are counted, then overwritten
        if self.filled >= HEAD_BYTES_MAX:
            return self.view[HEAD_BYTES_MAX:]   # overflow, reported in buffer_updated
        return self.view[self.filled:HEAD_BYTES_MAX]

    def buffer_updated(self, nbytes):
        self.progress += nbytes
        if self.state == "idle":
            return self._fail(HTTPError("bytes arrived with no request in flight"))
        if self.state == "discard":
            self.remaining -= nbytes
            return self._check_done()
        if self.filled >= HEAD_BYTES_MAX:
            return self._fail(HTTPError(f"response head or script over {HEAD_BYTES_MAX} bytes"))
        self.filled += nbytes
        if self.state == "head":
            self._parse_head()
        else:
            self.remaining -= nbytes
            self._check_done()

    def connection_lost(self, exc):
        self.closed = True
        if self.reply is not None and not self.reply.done():
            self.reply.set_exception(HTTPError(f"connection closed mid-response ({exc or 'EOF'})"))

    # requests
    def get(self, host, path, keep_body):
        self.reply = asyncio.get_running_loop().create_future()
        self.keep_body, self.filled, self.state = keep_body, 0, "head"
        self.transport.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: iPXE/1.21 boot-storm\r\n\r\n".encode())
        return self.reply

    def _parse_head(self):
        end = self.buffer.find(b"\r\n\r\n", 0, self.filled)
        if end < 0:
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return self._fail(HTTPError(f"bad status line {lines[0]!r}"))
        self.status = int(parts[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        length = self.headers.get("content-length")
        if length is None or not length.isdigit():
            return self._fail(HTTPError(f"status {self.status} without Content-Length"))
        self.length = int(length)
        self.body_start = end + 4
        already = self.filled - self.body_start
        self.remaining = self.length - already
        if self.keep_body or self.status != 200:
            self.state = "kept"
        else:
            self.state, self.filled = "discard", 0
        self._check_done()

    def _check_done(self):
        if self.remaining > 0:
            return
        if self.remaining < 0:
            return self._fail(HTTPError(f"{-self.remaining} bytes past Content-Length {self.length}"))
        body = bytes(self.buffer[self.body_start:self.filled]) if self.state == "kept" else None
        self.state = "idle"
        if self.headers.get("connection", "").lower() == "close":
            self.transport.close()
        self.reply.set_result((self.status, self.headers, self.length, body))

    def _fail(self, error):
        self.state = "idle"
        if self.reply is not None and not self.reply.done():
            self.reply.set_exception(error)
        if self.transport is not None:
            self.transport.close()


class Machine:
    """One booting machine: its connections, by server, for the length of its boot."""

    def __init__(self, timeout):
        self.connections = {}
        self.timeout = timeout

    async def fetch(self, url, keep_body):
        for _ in range(REDIRECTS_MAX + 1):
            u = urllib.parse.urlsplit(url)
            key = (u.hostname, u.port or 80)
            conn = self.connections.get(key)
            if conn is None or conn.closed:
                try:
                    _, conn = await asyncio.wait_for(
                        asyncio.get_running_loop().create_connection(Connection, *key), self.timeout)
                except asyncio.TimeoutError:
                    raise HTTPError(f"no connection to {u.netloc} in {self.timeout:g} s") from None
                self.connections[key] = conn
            path = u.path + (f"?{u.query}" if u.query else "")
            status, headers, length, body = await self.answer(conn, conn.get(u.netloc, path, keep_body), url)
            if status in (301, 302, 307, 308) and "location" in headers:
                url = urllib.parse.urljoin(url, headers["location"])
                continue
            if status != 200:
                raise HTTPError(f"{status} for {url}: {(body or b'')[:120]!r}")
            return length, body
        raise HTTPError(f"more than {REDIRECTS_MAX} redirects for {url}")

    async def answer(self, conn, reply, url):
        """The reply, unless no byte arrives for `timeout` seconds (iPXE's timeout is idle time too)."""
        while True:
            seen = conn.progress
            done, _ = await asyncio.wait({reply}, timeout=self.timeout)
            if done:
                return reply.result()
            if conn.progress == seen:
                conn.transport.close()
                raise HTTPError(f"no byte for {self.timeout:g} s from {url}")

    def close(self):
        for conn in self.connections.values():
            if conn.transport is not None:
                conn.transport.close()


def field(pattern, text, what):
    m = re.search(pattern, text, re.M)
    if m is None:
        raise HTTPError(f"no {what} in {text[:200]!r}")
    return m.group(1)


async def boot(base, serial, args):
    machine = Machine(args.request_timeout)
    try:
        _, entry = await machine.fetch(base + "/boot/ipxe", True)
        chain = field(r"^chain (?:--\S+ )*(\S+)", entry.decode(), "chain line in the entry script")
        chain = urllib.parse.urljoin(base + "/", chain.replace("${serial:uristring}", urllib.parse.quote(serial)))
        _, script = await machine.fetch(chain, True)
        script = script.decode()
        kernel_line = field(r"^(kernel .*)$", script, "kernel line in the machine's script")
        kernel = field(IMAGE_LINE.format("kernel"), kernel_line, "kernel URL")
        initrd = field(IMAGE_LINE.format("initrd"), script, "initrd line in the machine's script")
        got = 0
        for url, expected in ((kernel, args.kernel_bytes), (initrd, args.initrd_bytes)):
            length, _ = await machine.fetch(urllib.parse.urljoin(chain, url), False)
            if expected and length != expected:
                raise HTTPError(f"{url}: {length} bytes, expected {expected}")
            got += length
        config = re.search(r"kiban\.config=(\S+)", kernel_line)
        if config:
            length, body = await machine.fetch(urllib.parse.urljoin(chain, config.group(1)), True)
            if length == 0 or serial.encode() not in body:
                raise HTTPError(f"configuration of {serial} does not name it: {body[:120]!r}")
            got += length
        return got
    finally:
        machine.close()


async def storm(args):
    bases = [b.rstrip("/") for b in args.bases.split(",")]
    state = {"next": 0, "bytes": 0, "errors": 0, "first_error": "", "done": []}
    t0 = time.monotonic()

    async def worker():
        while state["next"] < args.machines:
            i = state["next"]
            state["next"] += 1
            serial = f"{args.serial_prefix}{i:05d}"
            started = time.monotonic()
            try:
                got = await boot(bases[i % len(bases)], serial, args)   # then add: += would read first
                state["bytes"] += got
                state["done"].append((time.monotonic() - t0, time.monotonic() - started))
            except Exception as e:  # counted; the storm goes on
                state["errors"] += 1
                state["first_error"] = state["first_error"] or f"{serial}: {type(e).__name__}: {e}"

    workers = [asyncio.create_task(worker()) for _ in range(min(args.concurrency, args.machines))]
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.gather(*workers), args.deadline)
    except asyncio.TimeoutError:
        timed_out = True
    done = state["done"]
    boots = sorted(d for _, d in done)
    pct = lambda p: round(boots[min(len(boots) - 1, int(p * len(boots)))], 3) if boots else None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"machines": args.machines, "complete": len(done),
            "seconds": round(max((t for t, _ in done), default=0.0), 2),
            "errors": args.machines - len(done),   # failed, or not finished by the deadline
            "first_error": state["first_error"] or (f"deadline of {args.deadline} s passed" if timed_out else ""),
            "bytes": state["bytes"], "boot_p50_s": pct(0.5), "boot_p99_s": pct(0.99),
            "client_cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bases", help="comma-separated base URLs, e.g. http://10.0.0.11:10080,http://10.0.0.12:10080")
    p.add_argument("machines", type=int, help="N, the number of machines")
    p.add_argument("concurrency", type=int, help="C, machines booting at once")
    p.add_argument("--serial-prefix", default="STORM-", help="serials are PREFIX00000, PREFIX00001, ... (default STORM-)")
    p.add_argument("--kernel-bytes", type=int, default=0, help="expected kernel size (0: not checked)")
    p.add_argument("--initrd-bytes", type=int, default=0, help="expected initrd size (0: not checked)")
    p.add_argument("--request-timeout", type=float, default=60.0, help="seconds to connect, and without a byte of the answer")
    p.add_argument("--deadline", type=float, default=600.0, help="seconds for the whole storm")
    args = p.parse_args()
    if args.machines < 1 or args.concurrency < 1:
        p.error("N and C must be at least 1")
    print(json.dumps(asyncio.run(storm(args))))


main()
