# Under tini (rdinit=/t/tini-static -- /bin/sh /t/tini-main.sh): the same
# processes as the inittab, kept alive by shell loops.
/bin/sh /t/start_svcd.sh
(while :; do /sbin/pcheck -f /t/pfile; done) &
for s in 1 2 3; do (while :; do /t/stamp /tmp/s$s; done) & done
exec /bin/sh /t/measure.sh
