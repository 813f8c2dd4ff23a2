# Runs once, after sysinit and wait. Kills the respawn entry and the
# pcheck-watched daemon, waits for both to come back, counts zombies.
pid_of() { for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = "$1" ] && grep -q '^[^ ]* ([^)]*) [^Z]' $p/stat && echo ${p#/proc/} && return; done; }
wait_new() { i=0; while [ $i -lt 100 ]; do n=$(pid_of $1); [ -n "$n" ] && [ "$n" != "$2" ] && echo $n && return; sleep 0.1; i=$((i+1)); done; }
sleep 1
old=$(pid_of looper); echo "T: killing looper $old"; kill -9 $old
new=$(wait_new looper $old); echo "T: looper back $new"
old=$(pid_of svcd); echo "T: killing svcd $old"; kill -9 $old
new=$(wait_new svcd $old); echo "T: svcd back $new"
sh -c '(sleep 0.2 &) ; exit 0'
sleep 0.5
i=0; while :; do z=0; for s in /proc/[0-9]*/stat; do grep -q '^[^ ]* ([^)]*) Z' $s 2>/dev/null && z=$((z+1)); done; [ $z -eq 0 ] || [ $i -ge 20 ] && break; sleep 0.1; i=$((i+1)); done
echo "T: zombies $z"
if [ "$mamori_test" = cad ]; then echo "T: ready for ctrl-alt-delete"; exit 0; fi
echo "T: poweroff"
poweroff
