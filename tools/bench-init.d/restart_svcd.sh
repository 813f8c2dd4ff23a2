#!/bin/sh
/t/svcd </dev/null >/dev/null 2>&1 &
exit 0
