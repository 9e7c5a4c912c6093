#!/bin/sh
# The host's web page, behind QEMU's user network (guestfwd to
# 10.0.2.100:80): one connection on stdin/stdout.
read -r request
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe host, through sys-net\n'
