//! The SMB probe against real Samba 4.17 servers on loopback (PEERS.md).
//! Each test owns its smbd (own port and temp dir) and stops it on drop.

#[path = "servers/smbd.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, Smbd, USER};
use mamori::probe::smb::{
    Credentials, Encryption, Protocol, ShareKind, SmbFailure, Stage, check, check_with,
};
use mamori::wire::ntstatus::NtStatus;
use mamori::wire::smb2::{Cipher, Dialect};

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
    // The server can encrypt, and Samba answers a guest on a share that
    // requires encryption the same way: the failure says both.
    assert_eq!(
        check(s.addr(), "private", None, None, T),
        Err(SmbFailure::GuestCannotEncrypt(
            Stage::TreeConnect,
            Some(NtStatus::AccessDenied)
        ))
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

fn user_check(
    s: &Smbd,
    share: &str,
    e: Encryption,
) -> Result<mamori::probe::smb::CheckReport, SmbFailure> {
    let c = Credentials::new(USER, PASSWORD.as_bytes());
    check_with(s.addr(), share, Some(&c), T, e)
}

const REQUIRED: &str = "smb encrypt = required";

/// A user share with `smb encrypt = required` over 3.1.1: Samba grants the
/// tree with SHAREFLAG_ENCRYPT_DATA and refuses what follows unless it is
/// encrypted, so a pass proves the encryption; Samba's default cipher
/// order picks AES-128-GCM. A guest on such a share gets the message.
#[test]
fn encrypted_share_smb311() {
    let s = Smbd::start_with(
        "enc311",
        24463,
        &[],
        &[
            ("private", REQUIRED),
            ("pub", REQUIRED),
            ("printer", "valid users = nobody"),
        ],
    );
    let r = user_check(&s, "private", Encryption::AsRequired).unwrap();
    assert_eq!(r.protocol, Protocol::Smb2(Dialect::Smb311));
    assert_eq!(r.encryption, Some(Cipher::Aes128Gcm));
    assert!(!r.guest && !r.signed);
    assert_eq!(
        check(s.addr(), "pub", None, None, T),
        Err(SmbFailure::GuestCannotEncrypt(
            Stage::TreeConnect,
            Some(NtStatus::AccessDenied)
        ))
    );
    // A user refused a share is retried encrypted (what Windows asks for
    // on an encrypted share); Samba accepts the encrypted TREE_CONNECT and
    // refuses it for the same reason.
    assert_eq!(
        user_check(&s, "printer", Encryption::AsRequired),
        Err(SmbFailure::TreeConnect(NtStatus::AccessDenied))
    );
    // The same share with the wrong password still fails at session setup.
    assert_eq!(
        check(s.addr(), "private", Some(USER), Some(b"wrong"), T),
        Err(SmbFailure::SessionSetup(NtStatus::LogonFailure))
    );
}

/// Every cipher of 3.1.1, each the only one the server allows (`server
/// smb3 encryption algorithms`): the server's choice is honoured, with
/// the 256-bit keys of the L=256 KDF for AES-256.
#[test]
fn every_smb311_cipher() {
    for (port, name, cipher) in [
        (24464, "AES-128-CCM", Cipher::Aes128Ccm),
        (24465, "AES-256-GCM", Cipher::Aes256Gcm),
        (24466, "AES-256-CCM", Cipher::Aes256Ccm),
    ] {
        let opt = format!("server smb3 encryption algorithms = {name}");
        let s = Smbd::start_with(name, port, &[&opt], &[("private", REQUIRED)]);
        let r = user_check(&s, "private", Encryption::AsRequired).unwrap();
        assert_eq!(r.encryption, Some(cipher), "{name}");
    }
}

/// 3.0.2 and 3.0 (server max protocol capped): AES-128-CCM with the
/// "SMB2AESCCM" keys, negotiated by SMB2_GLOBAL_CAP_ENCRYPTION.
#[test]
fn encrypted_share_smb30x_ccm() {
    for (port, max, dialect) in [
        (24467, "SMB3_02", Dialect::Smb302),
        (24468, "SMB3_00", Dialect::Smb300),
    ] {
        let opt = format!("server max protocol = {max}");
        let s = Smbd::start_with(max, port, &[&opt], &[("private", REQUIRED)]);
        let r = user_check(&s, "private", Encryption::AsRequired).unwrap();
        assert_eq!(r.protocol, Protocol::Smb2(dialect));
        assert_eq!(r.encryption, Some(Cipher::Aes128Ccm));
    }
}

/// `server smb encrypt = required`: the session carries ENCRYPT_DATA, so
/// everything after SESSION_SETUP is encrypted, also with mandatory
/// signing; Samba refuses guests at SESSION_SETUP.
#[test]
fn encryption_required_server_wide() {
    let s = Smbd::start(
        "encrypt",
        24460,
        &[
            "server smb encrypt = required",
            "server signing = mandatory",
        ],
    );
    let r = user_check(&s, "private", Encryption::AsRequired).unwrap();
    assert_eq!(r.encryption, Some(Cipher::Aes128Gcm));
    let r = user_check(&s, "pub", Encryption::AsRequired).unwrap();
    assert_eq!(r.encryption, Some(Cipher::Aes128Gcm));
    assert_eq!(
        check(s.addr(), "pub", None, None, T),
        Err(SmbFailure::GuestCannotEncrypt(
            Stage::SessionSetup,
            Some(NtStatus::AccessDenied)
        ))
    );
}

/// `-e` (Encryption::Always): encrypts on a server that does not ask,
/// fails where the server cannot, and a guest cannot.
#[test]
fn always_encrypt() {
    let s = Smbd::start("always", 24469, &[]);
    let r = user_check(&s, "private", Encryption::Always).unwrap();
    assert_eq!(r.encryption, Some(Cipher::Aes128Gcm));
    assert_eq!(
        check_with(s.addr(), "pub", None, T, Encryption::Always),
        Err(SmbFailure::GuestCannotEncrypt(Stage::SessionSetup, None))
    );
    // Plain checks on the same server stay plain.
    let r = user_check(&s, "private", Encryption::AsRequired).unwrap();
    assert_eq!(r.encryption, None);
    drop(s);

    let off = Smbd::start("encoff", 24470, &["server smb encrypt = off"]);
    assert_eq!(
        user_check(&off, "private", Encryption::Always),
        Err(SmbFailure::NoEncryption(Stage::Negotiate))
    );
    assert!(user_check(&off, "private", Encryption::AsRequired).is_ok());
    drop(off);

    let smb21 = Smbd::start("enc21", 24471, &["server max protocol = SMB2_10"]);
    assert_eq!(
        user_check(&smb21, "private", Encryption::Always),
        Err(SmbFailure::NoEncryption(Stage::Negotiate))
    );
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
