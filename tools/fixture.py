#!/usr/bin/env python3
"""Print the TCP payload of one frame of a capture as a Rust byte array.
usage: fixture.py CAPTURE FRAME NAME [--strip-nbss]"""
import subprocess, sys
cap, frame, name = sys.argv[1], sys.argv[2], sys.argv[3]
strip = '--strip-nbss' in sys.argv
ntlm = '--ntlmssp' in sys.argv
hexs = subprocess.check_output(['tshark', '-r', cap, '-Y', 'frame.number==' + frame,
                                '-T', 'fields', '-e', 'tcp.payload'], stderr=subprocess.DEVNULL).decode().strip()
b = bytes.fromhex(hexs)
if strip:
    b = b[4:]
note = ' (NBSS header stripped)' if strip else ''
if ntlm:
    i = b.index(b'NTLMSSP\0')
    if b[i-2] == 0x04: n = b[i-1]
    elif b[i-3] == 0x04 and b[i-2] == 0x81: n = b[i-1]
    elif b[i-4] == 0x04 and b[i-3] == 0x82: n = b[i-2] << 8 | b[i-1]
    else: raise SystemExit('no OCTET STRING before NTLMSSP')
    b = b[i:i+n]
    note = ' (the NTLMSSP token inside SPNEGO)'
print('/// `%s` frame %s%s.' % (cap.split('/')[-1], frame, note))
print('static %s: [u8; %d] = [' % (name, len(b)))
for i in range(0, len(b), 16):
    print('    ' + ', '.join('0x%02x' % x for x in b[i:i+16]) + ',')
print('];')
