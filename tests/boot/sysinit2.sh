/t/svcd </dev/null >/dev/null 2>&1 &
echo "T: sysinit 2"
