#!/usr/bin/env python3
"""Writes the DHCP payloads of a pcap as hex test vectors, one file per distinct message kind.

usage: pcap-to-vectors.py FILE.pcap WHERE OUTDIR
The client is named from option 60/55 fingerprints (dhclient, udhcpc, dhcpcd) or 'dnsmasq' for
server replies. Each file starts with '#' lines saying where the bytes came from."""
import os, struct, sys

TYPES = {1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack", 6: "nak", 7: "release", 8: "inform"}

def packets(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16: off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            if frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked capture
            ip = frame[16:]
        else:
            continue
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17:
            continue
        udp = ip[ihl:]
        yield struct.unpack(">HH", udp[:4]), udp[8:]

def options(payload):
    opts, i = {}, 240
    while i < len(payload):
        c = payload[i]
        if c == 0:
            i += 1; continue
        if c == 255:
            break
        n = payload[i + 1]; opts[c] = payload[i + 2:i + 2 + n]; i += 2 + n
    return opts

def client_name(payload, opts):
    if payload[0] == 2:
        return "dnsmasq"
    vc = opts.get(60, b"")
    if vc.startswith(b"udhcp"):
        return "udhcpc"
    if vc.startswith(b"dhcpcd"):
        return "dhcpcd"
    return "dhclient"

def main():
    path, where, out = sys.argv[1:4]
    seen = set()
    for (sport, dport), payload in packets(path):
        if len(payload) < 240 or payload[236:240] != b"\x63\x82\x53\x63":
            continue
        opts = options(payload)
        kind = TYPES.get(opts.get(53, b"\x00")[0], "bootp")
        name = f"{client_name(payload, opts)}-{where}-{kind}"
        if name in seen:
            continue
        seen.add(name)
        with open(os.path.join(out, name + ".hex"), "w") as f:
            f.write(f"# {name}: UDP {sport} -> {dport}, {len(payload)} bytes\n")
            f.write("# captured by scripts/capture-dhcp-vectors.sh: real client <-> isc-dhcp-relay (option 82) <-> dnsmasq, in network namespaces\n")
            for i in range(0, len(payload), 32):
                f.write(payload[i:i + 32].hex() + "\n")

main()
