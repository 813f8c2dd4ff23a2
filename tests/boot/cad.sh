echo "T: ctrlaltdel ran"
poweroff
