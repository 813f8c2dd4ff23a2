//! The SMB probe against real Samba 4.17 servers on loopback (PEERS.md).
//! Each test owns its smbd (own port and temp dir) and stops it on drop.

#[path = "servers/smbd.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, Smbd, USER};
use mamori::probe::smb::{Protocol, ShareKind, SmbFailure, Stage, check};
use mamori::wire::ntstatus::NtStatus;
use mamori::wire::smb2::Dialect;

const T: Duration = Duration::from_secs(5);

fn pw() -> Option<&'static [u8]> {
    Some(PASSWORD.as_bytes())
}

/// Default server: guest and user sessions over SMB 3.1.1, and the failure
/// statuses the monitor reports.
#[test]
fn default_server_smb311() {
    let s = Smbd::start("default", 24451, &[]);
    let r = check(s.addr(), "pub", None, None, T).unwrap();
    assert_eq!(r.protocol, Protocol::Smb2(Dialect::Smb311));
    assert!(r.guest && !r.signed);
    assert_eq!(r.share, ShareKind::Disk);

    let r = check(s.addr(), "private", Some(USER), pw(), T).unwrap();
    assert_eq!(r.protocol, Protocol::Smb2(Dialect::Smb311));
    assert!(!r.guest);
    assert_eq!(r.share, ShareKind::Disk);

    assert_eq!(
        check(s.addr(), "nosuch", None, None, T),
        Err(SmbFailure::TreeConnect(NtStatus::BadNetworkName))
    );
    assert_eq!(
        check(s.addr(), "private", Some(USER), Some(b"wrong"), T),
        Err(SmbFailure::SessionSetup(NtStatus::LogonFailure))
    );
    // Guest on a user-only share (PEERS.md: ACCESS_DENIED at TREE_CONNECT).
    assert_eq!(
        check(s.addr(), "private", None, None, T),
        Err(SmbFailure::TreeConnect(NtStatus::AccessDenied))
    );
    // IPC$ is a pipe share: a share type error.
    assert_eq!(
        check(s.addr(), "IPC$", None, None, T),
        Err(SmbFailure::ShareType(ShareKind::Pipe))
    );
}

/// `server signing = mandatory`: Samba refuses unsigned or badly signed
/// requests of user sessions, so a pass proves the signatures verify.
#[test]
fn mandatory_signing() {
    let s = Smbd::start("signing", 24452, &["server signing = mandatory"]);
    let r = check(s.addr(), "private", Some(USER), pw(), T).unwrap();
    assert_eq!(r.protocol, Protocol::Smb2(Dialect::Smb311));
    assert!(r.signed && !r.guest);
    // Guest sessions are not signed, and still work.
    let r = check(s.addr(), "pub", None, None, T).unwrap();
    assert!(r.guest && !r.signed);
    assert_eq!(
        check(s.addr(), "private", Some(USER), Some(b"wrong"), T),
        Err(SmbFailure::SessionSetup(NtStatus::LogonFailure))
    );
}

/// Mandatory signing with the older key derivations: AES-CMAC with
/// "SMB2AESCMAC"/"SmbSign" (3.0) and HMAC-SHA256 (2.1, 2.0.2).
#[test]
fn mandatory_signing_older_dialects() {
    for (port, max, dialect) in [
        (24453, "SMB3_00", Dialect::Smb300),
        (24454, "SMB2_10", Dialect::Smb210),
        (24455, "SMB2_02", Dialect::Smb202),
    ] {
        let opt = format!("server max protocol = {max}");
        let s = Smbd::start(max, port, &["server signing = mandatory", &opt]);
        let r = check(s.addr(), "private", Some(USER), pw(), T).unwrap();
        assert_eq!(r.protocol, Protocol::Smb2(dialect));
        assert!(r.signed);
    }
}

/// `server smb encrypt = required`: this client does not encrypt, and
/// Samba refuses such sessions (PEERS.md: ACCESS_DENIED at SESSION_SETUP).
#[test]
fn encryption_required_is_refused() {
    let s = Smbd::start("encrypt", 24460, &["server smb encrypt = required"]);
    let denied = Err(SmbFailure::SessionSetup(NtStatus::AccessDenied));
    assert_eq!(check(s.addr(), "pub", None, None, T), denied);
    assert_eq!(check(s.addr(), "private", Some(USER), pw(), T), denied);
}

/// An SMB1-only server drops the SMB2 NEGOTIATE; the probe falls back to
/// NT LM 0.12.
#[test]
fn smb1_only_server() {
    let s = Smbd::start(
        "nt1",
        24456,
        &["server min protocol = NT1", "server max protocol = NT1"],
    );
    let r = check(s.addr(), "pub", None, None, T).unwrap();
    assert_eq!(r.protocol, Protocol::Smb1);
    assert!(r.guest);
    assert_eq!(r.share, ShareKind::Disk);
    let r = check(s.addr(), "private", Some(USER), pw(), T).unwrap();
    assert_eq!(r.protocol, Protocol::Smb1);
    assert!(!r.guest);
    assert_eq!(
        check(s.addr(), "nosuch", None, None, T),
        Err(SmbFailure::TreeConnect(NtStatus::BadNetworkName))
    );
    assert_eq!(
        check(s.addr(), "private", Some(USER), Some(b"wrong"), T),
        Err(SmbFailure::SessionSetup(NtStatus::LogonFailure))
    );
    assert_eq!(
        check(s.addr(), "IPC$", None, None, T),
        Err(SmbFailure::ShareType(ShareKind::Pipe))
    );
}

/// SMB1 with mandatory signing (MD5 MAC, sequence numbers from 2).
#[test]
fn smb1_mandatory_signing() {
    let s = Smbd::start(
        "nt1sign",
        24457,
        &[
            "server min protocol = NT1",
            "server max protocol = NT1",
            "server signing = mandatory",
        ],
    );
    let r = check(s.addr(), "private", Some(USER), pw(), T).unwrap();
    assert_eq!(r.protocol, Protocol::Smb1);
    assert!(r.signed);
}

/// A stopped smbd still completes the TCP handshake (the kernel does), so
/// the probe must give up at the first reply, within the bound.
#[test]
fn stopped_server_times_out() {
    let s = Smbd::start("stopped", 24458, &[]);
    check(s.addr(), "pub", None, None, T).unwrap();
    s.stop();
    let bound = Duration::from_millis(700);
    let t0 = Instant::now();
    let r = check(s.addr(), "pub", None, None, bound);
    let took = t0.elapsed();
    assert_eq!(r, Err(SmbFailure::Timeout(Stage::Negotiate)));
    assert!(
        took >= bound && took < bound + Duration::from_millis(500),
        "took {took:?}"
    );
}

/// A killed smbd refuses connections at once.
#[test]
fn killed_server_refuses() {
    let mut s = Smbd::start("killed", 24459, &[]);
    check(s.addr(), "pub", None, None, T).unwrap();
    s.kill();
    let t0 = Instant::now();
    assert_eq!(
        check(s.addr(), "pub", None, None, T),
        Err(SmbFailure::Connect(libc::ECONNREFUSED))
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
}
