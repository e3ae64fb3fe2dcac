# Shared by the benchmarks that load a server with wrk.

# Runs wrk for $seconds and prints requests/s, p50 and p99 latency (ms), and
# the non-2xx count. Arguments: connections, threads, then wrk's own.
measure() {
    local connections=$1 threads=$2
    shift 2
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" 2>&1 | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + str(label) + r"%\s+([\d.]+)(us|ms|s)", text, re.M)
    if not m: return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {ms(50):.2f} {ms(99):.2f} {bad.group(1) if bad else 0}")'
}
