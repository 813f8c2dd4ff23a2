# In the guest: once everything runs, PID 1's memory and pcheck's, the
# time the last respawn entry started, then the respawn latency; every
# result a "B: key value" line on the console. Then power off.
pcheck_pid() {
    for p in /proc/[0-9]*; do
        n=${p#/proc/}
        [ "$n" = 1 ] && continue
        [ "$(readlink $p/exe 2>/dev/null)" = /mamori ] && grep -q '^[^ ]* ([^)]*) [^Z]' $p/stat 2>/dev/null && { echo $n; return; }
    done
}
i=0
while [ $i -lt 600 ]; do
    [ -s /tmp/s1 ] && [ -s /tmp/s2 ] && [ -s /tmp/s3 ] && [ -n "$(pcheck_pid)" ] && break
    sleep 0.1; i=$((i+1))
done
last=0
for s in 1 2 3; do t=$(head -n1 /tmp/s$s); [ "$t" -gt "$last" ] && last=$t; done
echo "B: last_respawn_started_ms $((last / 1000000))"
# Idle: let start-up settle before reading memory.
sleep 3
grep -E '^(Rss|Pss):' /proc/1/smaps_rollup | sed 's/:/ /; s/ kB//; s/^/B: pid1_/'
p=$(pcheck_pid)
grep -E '^(Rss|Pss):' /proc/$p/smaps_rollup | sed 's/:/ /; s/ kB//; s/^/B: pcheck_/'
if [ "${BENCH_KILLS:-0}" -gt 0 ]; then
    /t/killer /tmp/s1 "$BENCH_KILLS"
fi
echo "B: done"
if [ "$bench_mode" = tini ]; then /sbin/poweroff -f; else /sbin/poweroff; fi
