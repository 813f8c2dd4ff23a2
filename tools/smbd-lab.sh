#!/bin/sh
# Start a throwaway smbd on loopback for captures (PEERS.md recipe).
# usage: smbd-lab.sh DIR PORT [extra global option lines...]
set -eu
D=$1; P=$2; shift 2
mkdir -p "$D"/lock "$D"/state "$D"/cache "$D"/private "$D"/pid "$D"/ncalrpc "$D"/log "$D"/share/pub "$D"/share/private
chmod 0755 "$D" "$D"/share "$D"/share/pub; chmod 0777 "$D"/share/private
{
cat <<C
[global]
  server role = standalone server
  workgroup = TESTGRP
  smb ports = $P
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  lock directory = $D/lock
  state directory = $D/state
  cache directory = $D/cache
  private dir = $D/private
  pid directory = $D/pid
  ncalrpc dir = $D/ncalrpc
  log file = $D/log/log.%m
  passdb backend = tdbsam:$D/private/passdb.tdb
  map to guest = Bad User
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
C
for o in "$@"; do echo "  $o"; done
cat <<C
[pub]
  path = $D/share/pub
  guest ok = yes
  read only = no
[private]
  path = $D/share/private
  valid users = smbtest
C
} > "$D/smb.conf"
id smbtest >/dev/null 2>&1 || useradd --system -M -s /usr/sbin/nologin smbtest
printf 'pw\npw\n' | smbpasswd -c "$D/smb.conf" -a -s smbtest >/dev/null
setsid smbd --foreground --no-process-group -s "$D/smb.conf" </dev/null >"$D/smbd.out" 2>&1 &
echo $! > "$D/smbd.pid"
