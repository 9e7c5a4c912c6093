#!/usr/bin/python3
# The test's access point's DHCP server (tests/xen/template.sh, wifi): on
# IFACE, every DISCOVER gets an OFFER and every REQUEST an ACK of the one
# address CLIENT, with SERVER as router and name server.  A fixture, not
# bulkhead: sys-net's dhcpcd is what is tested.
# usage: dhcp-answer.py IFACE SERVER CLIENT
import socket
import struct
import sys

iface, server, client = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
s.bind(("0.0.0.0", 67))
COOKIE = b"\x63\x82\x53\x63"


def option(code, data):
    return bytes([code, len(data)]) + data


while True:
    pkt, _ = s.recvfrom(2048)
    if len(pkt) < 240 or pkt[0] != 1 or pkt[236:240] != COOKIE:
        continue
    kind, i = None, 240
    while i + 1 < len(pkt) and pkt[i] != 255:
        if pkt[i] == 0:
            i += 1
            continue
        if pkt[i] == 53 and pkt[i + 1] == 1 and i + 2 < len(pkt):
            kind = pkt[i + 2]
        i += 2 + pkt[i + 1]
    answer = {1: 2, 3: 5}.get(kind)  # DISCOVER -> OFFER, REQUEST -> ACK
    if answer is None:
        continue
    srv = socket.inet_aton(server)
    reply = struct.pack("!BBBB", 2, 1, 6, 0) + pkt[4:8] + b"\0\0" + pkt[10:12]
    reply += b"\0" * 4 + socket.inet_aton(client) + srv + b"\0" * 4 + pkt[28:44]
    reply += b"\0" * 192 + COOKIE
    reply += option(53, bytes([answer])) + option(54, srv)
    reply += option(51, struct.pack("!I", 3600)) + option(1, socket.inet_aton("255.255.255.0"))
    reply += option(3, srv) + option(6, srv) + b"\xff"
    s.sendto(reply, ("255.255.255.255", 68))
    print("dhcp-answer: %s to %s" % ("ACK" if answer == 5 else "OFFER", client), flush=True)
