#!/bin/bash
# The host's Debian repository behind QEMU's user network (guestfwd to
# 10.0.2.100:80, tests/xen/template.sh): one HTTP/1.0 connection on
# stdin/stdout, the files of DIR, each request line appended to
# DIR/requests.log.
# usage: host-repo.sh DIR
dir=$1
IFS=' ' read -r method path _ || exit 0
while IFS= read -r line && [ -n "${line%$'\r'}" ]; do :; done
echo "$method $path" >> "$dir/requests.log"
# A proxy's request names the whole URL.
path=/${path#http://*/}
path=${path//\/\//\/}
file=$dir$path
case $path in *..*) file= ;; esac
if [ "$method" = GET ] && [ -n "$file" ] && [ -f "$file" ]; then
    printf 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\n\r\n' \
        "$(stat -c %s "$file")"
    cat "$file"
else
    printf 'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n'
fi
