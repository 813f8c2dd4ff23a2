//! The whole share check against a fake server that answers each request
//! with the next reply from the input: replies are `u16 length (LE) ‖
//! bytes`, each sent in a Direct TCP frame (MS-SMB2 2.1). An empty reply
//! closes the connection instead (as an SMB1-only Samba does to an SMB2
//! NEGOTIATE), and a second connection (the SMB1 fallback) gets the rest.
//! When the replies run out the server closes the connection. Whatever
//! the server says, `check` must return, never panic, within its timeouts.
//!
//! Run with `ASAN_OPTIONS=detect_leaks=0` and `-detect_leaks=0`: LeakSanitizer
//! reports the `Thread` handles of this harness's scoped threads at exit; the
//! probe itself allocates nothing (`tests/no_alloc.rs`).
#![no_main]
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mamori::probe::smb::check;

fn listener() -> &'static (TcpListener, SocketAddr) {
    static L: OnceLock<(TcpListener, SocketAddr)> = OnceLock::new();
    L.get_or_init(|| {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    })
}

fn replies(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while data.len() >= 2 && out.len() < 16 {
        let n = usize::from(u16::from_le_bytes([data[0], data[1]])).min(data.len() - 2);
        out.push(data[2..2 + n].to_vec());
        data = &data[2 + n..];
    }
    out
}

/// Serves one connection: read a request frame, send the next reply.
/// Returns false when the replies ran out.
fn serve(mut s: TcpStream, replies: &mut std::vec::IntoIter<Vec<u8>>) -> bool {
    s.set_nonblocking(false).unwrap();
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    loop {
        let mut head = [0u8; 4];
        if s.read_exact(&mut head).is_err() {
            return true;
        }
        let len = u32::from_be_bytes([0, head[1], head[2], head[3]]) as usize;
        let mut req = vec![0u8; len];
        if s.read_exact(&mut req).is_err() {
            return true;
        }
        let Some(r) = replies.next() else {
            return false;
        };
        if r.is_empty() {
            return true;
        }
        // One write per frame: two would meet Nagle and delayed ACKs.
        let l = (r.len() as u32).to_be_bytes();
        let mut frame = vec![0, l[1], l[2], l[3]];
        frame.extend_from_slice(&r);
        let _ = s.write_all(&frame);
    }
}

fuzz_target!(|data: &[u8]| {
    let (l, addr) = listener();
    let mut rs = replies(data).into_iter();
    let done = AtomicBool::new(false);
    std::thread::scope(|sc| {
        sc.spawn(|| {
            // Each connection (SMB2, then the SMB1 fallback) gets the
            // replies left; once they are gone a connection is closed at once.
            l.set_nonblocking(true).unwrap();
            let mut more = true;
            while !done.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((s, _)) if more => more = serve(s, &mut rs),
                    Ok((s, _)) => drop(s),
                    Err(_) => std::thread::sleep(Duration::from_micros(100)),
                }
            }
        });
        let r = check(
            *addr,
            "share",
            Some("user"),
            Some(b"pw"),
            Duration::from_millis(300),
        );
        if std::env::var_os("PROBE_FUZZ_DEBUG").is_some() {
            eprintln!("{r:?}");
        }
        done.store(true, Ordering::Relaxed);
    });
    // Drop connections the probe made that nobody served (a fallback
    // after the replies ran out), so the next input starts clean.
    l.set_nonblocking(true).unwrap();
    while l.accept().is_ok() {}
});
