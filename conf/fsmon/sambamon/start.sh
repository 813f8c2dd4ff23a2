#! /bin/sh
#***************************************
#*              start.sh               *
#***************************************
# CLUSTERPRO EXEC resource script for clp_sambamon (seed 000 §10, adapted to
# mamori). Starts the Samba monitor.
#
# mamori install /usr/local/sbin   makes the clp_sambamon symlink; with a
# symlink elsewhere, change MAMORI_BIN below.
MAMORI_BIN=${MAMORI_BIN:-/usr/local/sbin}
# All monitors of a node share one ID registry; change the key only if
# 0x4d4d4653 is taken by another program (then in start.sh and stop.sh).
# export MAMORI_FSMON_IPCKEY=0x4d4d4653

run_monitor()
{
#
# Set the share (or printer) name. Add -a IP[:PORT] for a floating IP,
# -u USER -p @/etc/mamori/smb.pw (mode 0600) when guest access is off.
# The monitor runs in the foreground until Samba fails (exit 1): set the
# EXEC resource to asynchronous and watch it with a PID monitor.
#
  "$MAMORI_BIN/clp_sambamon" sambawatch -s XXXX
}

if [ "$CLP_EVENT" = "START" ]
then
 if [ "$CLP_DISK" = "SUCCESS" ]
 then
  echo "NORMAL1"
  if [ "$CLP_SERVER" = "HOME" ]
  then
   echo "NORMAL2"
  else
   echo "ON_OTHER1"
  fi
  echo "clp_sambamon start"
  run_monitor
 else
  echo "ERROR_DISK from START"
 fi
elif [ "$CLP_EVENT" = "FAILOVER" ]
then
 if [ "$CLP_DISK" = "SUCCESS" ]
 then
  echo "FAILOVER1"
  if [ "$CLP_SERVER" = "HOME" ]
  then
   echo "FAILOVER2"
  else
   echo "ON_OTHER2"
  fi
  echo "clp_sambamon start"
  run_monitor
 else
  echo "ERROR_DISK from FAILOVER"
 fi
else
 echo "NO_CLP"
fi
echo "EXIT"
exit 0
