#!/usr/bin/env bash
# A throwaway SMTP server for the tests, from Debian's package: OpenSMTPD
# listening on loopback only at a free port, accepting mail for any address
# and delivering all of it to one Maildir under DIR (as user nobody, the
# package refuses to deliver as root). `start` prints the environment the
# tests read as lines of NAME=VALUE (FIREBREAK_TEST_SMTP=host:port and
# FIREBREAK_TEST_MAILDIR); `stop` stops it. OpenSMTPD keeps its queue in
# /var/spool/smtpd, so one runs on a machine at a time. Needs root.
# Usage: scripts/smtp.sh start|stop DIR
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"
action=${1:?usage: scripts/smtp.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: scripts/smtp.sh start|stop DIR}")
case $action in
start)
    mkdir -p "$dir/Maildir"
    # The delivery agent runs as nobody and must reach the Maildir.
    chmod 755 "$dir"
    chown nobody "$dir/Maildir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf '@ nobody\n' >"$dir/recipients"
    cat >"$dir/smtpd.conf" <<CONF
table recipients file:$dir/recipients
listen on 127.0.0.1 port $port
action "maildir" maildir "$dir/Maildir" virtual <recipients>
match from any for any action "maildir"
CONF
    /usr/sbin/smtpd -d -f "$dir/smtpd.conf" >"$dir/smtpd.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
        { tail -n 20 "$dir/smtpd.log" >&2; echo "OpenSMTPD did not start" >&2; exit 1; }
    echo "FIREBREAK_TEST_SMTP=127.0.0.1:$port"
    echo "FIREBREAK_TEST_MAILDIR=$dir/Maildir"
    ;;
stop)
    stop_pidfile "$dir"
    ;;
*)
    echo "usage: scripts/smtp.sh start|stop DIR" >&2
    exit 2
    ;;
esac
