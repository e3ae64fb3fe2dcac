# Sourced by the scripts that start a throwaway service for the tests.

# Stops the process whose id is in DIR/pid and waits up to 5 s for it to go.
stop_pidfile() {
    local pidfile="$1/pid"
    [ -f "$pidfile" ] || return 0
    kill "$(cat "$pidfile")" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$(cat "$pidfile")" 2>/dev/null || break
        sleep 0.1
    done
}
