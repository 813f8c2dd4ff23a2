#!/usr/bin/env python3
"""Seed the fuzz corpora from the captures in tests/captures/.
usage: tools/fuzz/seed_corpus.py   (from the crate root)"""
import glob, hashlib, os, subprocess

def put(target, b):
    d = os.path.join('tools/fuzz/corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(b).hexdigest()), 'wb') as f:
        f.write(b)

for cap in glob.glob('tests/captures/*.pcapng'):
    out = subprocess.check_output(['tshark', '-r', cap, '-Y', 'tcp.len>0', '-T', 'fields', '-e', 'tcp.payload'],
                                  stderr=subprocess.DEVNULL).decode().split()
    for h in out:
        b = bytes.fromhex(h)
        put('nbss', b[:4])
        m = b[4:]
        if m[:1] == b'\xfd':
            put('smb2_transform', m)
            continue
        put('smb2' if m[:1] == b'\xfe' else 'smb1', m)
        i = m.find(b'NTLMSSP\0')
        if i >= 0:
            put('ntlmssp', m[i:])
        for tag in (b'\x60', b'\xa1'):
            j = m.find(tag + b'\x82') if m.find(tag + b'\x82') >= 0 else m.find(tag + b'\x81')
            if j >= 0:
                put('spnego', m[j:])
        k = m.find(b'\x60\x48\x06\x06')
        if k >= 0:
            put('spnego', m[k:])

# The probe target: Samba's replies to this crate's probe, as
# `u16 length ‖ reply` records (see fuzz_targets/smb_probe.rs).
def replies(cap, frames, first=b''):
    b = first
    for f in frames:
        h = subprocess.check_output(['tshark', '-r', cap, '-Y', 'frame.number==%d' % f, '-T', 'fields',
                                     '-e', 'tcp.payload'], stderr=subprocess.DEVNULL).decode().strip()
        p = bytes.fromhex(h)[4:]
        b += len(p).to_bytes(2, 'little') + p
    return b

put('smb_probe', replies('tests/captures/probe_smb311_anon.pcapng', [6, 9, 11, 13, 15, 17]))
# SMB1: the first connection gets an empty reply list (it is dropped).
put('smb_probe', replies('tests/captures/probe_smb1_signed.pcapng', [14, 17, 19, 21, 23, 25], b'\x00\x00'))
