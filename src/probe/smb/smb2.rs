//! The SMB 2.0.2–3.1.1 share check (MS-SMB2 3.2.4): NEGOTIATE with the
//! 3.1.1 contexts, two SESSION_SETUP rounds of NTLMSSP, TREE_CONNECT,
//! TREE_DISCONNECT, LOGOFF; requests signed as MS-SMB2 3.2.4.1.1 asks,
//! or encrypted as MS-SMB2 3.2.4.1.8 asks.

use core::net::SocketAddr;

use super::session::{Credentials, Session, spnego_auth, spnego_init, spnego_token};
use super::{
    CheckReport, Conn, Encryption, Protocol, Result, ShareKind, SmbFailure, Stage, TX_LEN,
    random_bytes, unc_path,
};
use crate::wire::nbss;
use crate::wire::ntstatus::NtStatus;
use crate::wire::smb1;
use crate::wire::smb2::{
    self, Cipher, Command, Dialect, Header, HeaderRepr, NegotiateContext, U16List,
};
use crate::wire::smb2_crypt::{self, SessionCrypto};
use crate::wire::smb2_sign::{PreauthHash, SigningKey};
use crate::wire::smb2_transform;

/// How the SMB2 check ended when it did not pass.
pub(super) enum Outcome {
    /// The server speaks SMB1 only: start over with [`super::smb1`].
    Smb1Only,
    /// A failure to report.
    Failed(SmbFailure),
}

impl From<SmbFailure> for Outcome {
    fn from(f: SmbFailure) -> Self {
        Outcome::Failed(f)
    }
}

/// A response: its header, the whole message (for signatures and the
/// preauth hash) and the body after the 64-byte header.
struct Reply<'r> {
    header: HeaderRepr,
    msg: &'r [u8],
    body: &'r [u8],
}

struct Smb2 {
    dialect: Dialect,
    message_id: u64,
    session_id: u64,
    tree_id: u32,
    /// The session's signing key, for verifying and for TREE_CONNECT.
    signing: Option<SigningKey>,
    /// Sign every request (the server requires signing).
    sign_all: bool,
    /// The cipher the server can encrypt with (3.1.1 context, or AES-128-CCM
    /// for 3.0.x with SMB2_GLOBAL_CAP_ENCRYPTION).
    cipher: Option<Cipher>,
    /// The user session's key and preauth hash, to derive cipher keys
    /// when the share asks for encryption only at TREE_CONNECT.
    keys: Option<([u8; 16], PreauthHash)>,
    /// Set once messages are encrypted: every later request is.
    crypto: Option<SessionCrypto>,
}

impl Smb2 {
    fn header(&self, command: Command) -> HeaderRepr {
        let mut h = HeaderRepr::request(command, self.message_id, self.tree_id, self.session_id);
        if matches!(self.dialect, Dialect::Smb202) {
            h.credit_charge = 0;
        }
        h
    }

    /// Sends `tx[..4 + len]` (transport header + SMB2 message), encrypted
    /// once the session encrypts, else signed when the session signs, and
    /// returns the matching (decrypted) response.
    fn exchange<'r>(
        &mut self,
        conn: &Conn,
        tx: &mut [u8],
        len: usize,
        rx: &'r mut [u8],
        stage: Stage,
    ) -> Result<Reply<'r>> {
        let m0 = nbss::HEADER_LEN;
        let frame_len = if let Some(crypto) = self.crypto.as_mut() {
            // An encrypted message is not signed (MS-SMB2 3.2.4.1.1); it
            // moves behind its TRANSFORM_HEADER (MS-SMB2 3.2.4.1.8).
            let t = m0 + smb2_transform::HEADER_LEN;
            if tx.len() < t + len {
                return Err(SmbFailure::Unsupported(stage));
            }
            tx.copy_within(m0..m0 + len, t);
            crypto
                .seal(&mut tx[m0..t + len])
                .map_err(|_| SmbFailure::Unsupported(stage))?;
            t + len
        } else {
            // 3.1.1 signs TREE_CONNECT of every user session (MS-SMB2 3.2.4.1.1).
            let tree_connect_311 = stage == Stage::TreeConnect && self.dialect == Dialect::Smb311;
            if let Some(key) = self
                .signing
                .as_ref()
                .filter(|_| self.sign_all || tree_connect_311)
            {
                key.sign(&mut tx[m0..m0 + len])
                    .map_err(|_| SmbFailure::Malformed(stage))?;
            }
            m0 + len
        };
        let deadline = conn.deadline();
        conn.send_frame(&mut tx[..frame_len], deadline, stage)?;
        let expect_id = self.message_id;
        self.message_id += 1;
        loop {
            // Re-borrow per iteration: an interim response is dropped.
            let frame_len = conn.recv_frame(rx, deadline, stage)?.len();
            let start = self.open(&mut rx[..frame_len], stage)?;
            let msg = &rx[start..frame_len];
            if msg.get(..4) == Some(&smb1::PROTOCOL_ID[..]) {
                return Err(SmbFailure::NoCommonDialect(SMB1_REPLY));
            }
            let h = Header::new_checked(msg).map_err(|_| SmbFailure::Malformed(stage))?;
            let hr = HeaderRepr::parse(&h).map_err(|_| SmbFailure::Malformed(stage))?;
            if hr.message_id != expect_id || !hr.is_response() {
                return Err(SmbFailure::Malformed(stage));
            }
            if hr.is_async() && hr.status == NtStatus::Pending {
                continue;
            }
            let msg: &'r [u8] = &rx[start..frame_len];
            return Ok(Reply {
                header: hr,
                msg,
                body: &msg[smb2::HEADER_LEN..],
            });
        }
    }

    /// Decrypts a received message in place when the session encrypts,
    /// returning where the SMB2 message starts. Once encrypting, a reply
    /// in the clear is refused (MS-SMB2 3.2.5.1.1.1): anyone on the path
    /// could have written it.
    fn open(&self, frame: &mut [u8], stage: Stage) -> Result<usize> {
        let transformed = frame.get(..4) == Some(&smb2::TRANSFORM_PROTOCOL_ID[..]);
        match (&self.crypto, transformed) {
            (None, false) => Ok(0),
            (Some(c), true) => match c.open(frame) {
                Ok(_) => Ok(smb2_transform::HEADER_LEN),
                Err(smb2_crypt::Error::BadTag) => Err(SmbFailure::BadSignature(stage)),
                Err(_) => Err(SmbFailure::Malformed(stage)),
            },
            _ => Err(SmbFailure::Malformed(stage)),
        }
    }

    /// Encrypts from now on (MS-SMB2 3.2.5.3.1, 3.2.5.5): a guest has no
    /// key; a server without a cipher cannot.
    fn start_encryption(&mut self, guest: bool, stage: Stage) -> Result<()> {
        if guest {
            return Err(SmbFailure::GuestCannotEncrypt(stage, None));
        }
        let (Some(cipher), Some((key, preauth))) = (self.cipher, self.keys.as_ref()) else {
            return Err(SmbFailure::NoEncryption(stage));
        };
        let c = SessionCrypto::derive(self.dialect, cipher, key, preauth, self.session_id)
            .map_err(|_| SmbFailure::NoEncryption(stage))?;
        self.crypto = Some(c);
        Ok(())
    }

    fn verify(&self, hr: &HeaderRepr, msg: &[u8], stage: Stage) -> Result<()> {
        match &self.signing {
            Some(key) if hr.flags & smb2::flags::SIGNED != 0 => {
                if key.verify(msg) {
                    Ok(())
                } else {
                    Err(SmbFailure::BadSignature(stage))
                }
            }
            _ => Ok(()),
        }
    }
}

pub(super) fn check(
    conn: &Conn,
    rx: &mut [u8],
    target: SocketAddr,
    share: &str,
    creds: Option<&Credentials<'_>>,
    encryption: Encryption,
) -> core::result::Result<CheckReport, Outcome> {
    let mut tx = [0u8; TX_LEN];
    let mut s = Smb2 {
        dialect: Dialect::Smb311,
        message_id: 0,
        session_id: 0,
        tree_id: 0,
        signing: None,
        sign_all: false,
        cipher: None,
        keys: None,
        crypto: None,
    };
    let mut preauth = PreauthHash::default();
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;

    // NEGOTIATE (MS-SMB2 3.2.4.2.2.2).
    let stage = Stage::Negotiate;
    let mut guid = [0u8; 16];
    let mut salt = [0u8; 32];
    random_bytes(&mut guid);
    random_bytes(&mut salt);
    let dialects: [u8; 10] = le_list(smb2::OFFERED_DIALECTS.map(u16::from));
    let hash_algs: [u8; 2] = le_list([smb2::HashAlgorithm::Sha512.into()]);
    // Windows' order; the server picks by its own (MS-SMB2 3.3.5.4).
    let ciphers: [u8; 8] = le_list([
        Cipher::Aes128Gcm.into(),
        Cipher::Aes128Ccm.into(),
        Cipher::Aes256Gcm.into(),
        Cipher::Aes256Ccm.into(),
    ]);
    // No AES-GMAC: its associated data is the message with the Signature
    // zeroed, which the AEAD API takes as one slice; a received message
    // would have to be copied or verified in place. Not done (issue 14).
    let signing_algs: [u8; 4] = le_list([
        smb2::SigningAlgorithm::AesCmac.into(),
        smb2::SigningAlgorithm::HmacSha256.into(),
    ]);
    let list = |b| U16List::from_le_bytes(b).map_err(|_| SmbFailure::Malformed(stage));
    let contexts = [
        NegotiateContext::PreauthIntegrity {
            hash_algorithms: list(&hash_algs)?,
            salt: &salt,
        },
        NegotiateContext::Encryption {
            ciphers: list(&ciphers)?,
        },
        NegotiateContext::Signing {
            algorithms: list(&signing_algs)?,
        },
    ];
    let req = smb2::NegotiateRequestRepr {
        security_mode: smb2::security_mode::SIGNING_ENABLED,
        // 3.0/3.0.2 servers encrypt only for clients that say they can.
        capabilities: smb2::capabilities::ENCRYPTION,
        client_guid: guid,
        dialects: list(&dialects)?,
        contexts: smb2::NegotiateContexts::new(&[], 0),
    };
    let mut h = s.header(Command::Negotiate);
    h.credit_charge = 0;
    h.emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let body = req
        .emit_with(&contexts, &mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let len = smb2::HEADER_LEN + body;
    preauth.update(&tx[m0..m0 + len]);
    let Reply {
        header: hr,
        msg,
        body,
    } = match s.exchange(conn, &mut tx, len, rx, stage) {
        Ok(r) => r,
        // A server without SMB2 drops the connection (Samba NT1-only).
        Err(SmbFailure::Closed(_)) | Err(SmbFailure::Recv(_, _)) => {
            return Err(Outcome::Smb1Only);
        }
        // An SMB1 reply to an SMB2 NEGOTIATE: the server speaks SMB1 only.
        Err(SmbFailure::NoCommonDialect(SMB1_REPLY)) => return Err(Outcome::Smb1Only),
        Err(e) => return Err(e.into()),
    };
    if hr.status != NtStatus::Success {
        return Err(SmbFailure::Negotiate(hr.status).into());
    }
    let view =
        smb2::NegotiateResponse::new_checked(body).map_err(|_| SmbFailure::Malformed(stage))?;
    let neg =
        smb2::NegotiateResponseRepr::parse(&view).map_err(|_| SmbFailure::Malformed(stage))?;
    if !smb2::OFFERED_DIALECTS.contains(&neg.dialect) {
        return Err(SmbFailure::NoCommonDialect(neg.dialect.into()).into());
    }
    s.dialect = neg.dialect;
    s.cipher = match neg.dialect {
        Dialect::Smb311 => neg.cipher.filter(|c| *c != Cipher::Unknown(0)),
        Dialect::Smb300 | Dialect::Smb302
            if neg.capabilities & smb2::capabilities::ENCRYPTION != 0 =>
        {
            Some(smb2_crypt::SMB30_CIPHER)
        }
        _ => None,
    };
    if encryption == Encryption::Always && s.cipher.is_none() {
        return Err(SmbFailure::NoEncryption(stage).into());
    }
    let signing_required = neg.security_mode & smb2::security_mode::SIGNING_REQUIRED != 0;
    let signing_algorithm = neg.signing_algorithm;
    if neg.dialect == Dialect::Smb311 {
        preauth.update(msg);
    }

    // SESSION_SETUP, round 1: NTLMSSP NEGOTIATE (MS-SMB2 3.2.4.2.3).
    let stage = Stage::SessionSetup;
    let mut token = [0u8; 2048];
    let n = spnego_init(&mut token, stage)?;
    let Reply {
        header: hr,
        msg,
        body,
    } = session_round(
        &mut s,
        conn,
        &mut tx,
        rx,
        &token[..n],
        &mut preauth,
        NtStatus::MoreProcessingRequired,
    )?;
    if s.dialect == Dialect::Smb311 {
        preauth.update(msg);
    }
    s.session_id = hr.session_id;
    let resp = session_setup_body(body, stage)?;
    let challenge = spnego_token(resp.security_buffer, stage)?;

    // Round 2: AUTHENTICATE.
    let (n, key) = spnego_auth(challenge, creds, &mut token, stage)?;
    let can_encrypt = s.cipher.is_some();
    let Reply {
        header: hr,
        msg,
        body,
    } = session_round(
        &mut s,
        conn,
        &mut tx,
        rx,
        &token[..n],
        &mut preauth,
        NtStatus::Success,
    )
    .map_err(|f| match f {
        // Samba refuses a guest when the server requires encryption.
        SmbFailure::SessionSetup(st @ NtStatus::AccessDenied) if creds.is_none() && can_encrypt => {
            SmbFailure::GuestCannotEncrypt(stage, Some(st))
        }
        f => f,
    })?;
    let resp = session_setup_body(body, stage)?;
    let flags = resp.session_flags;
    // Samba maps an anonymous session to guest without saying so.
    let session = Session {
        guest: creds.is_none()
            || flags & (smb2::session_flags::IS_GUEST | smb2::session_flags::IS_NULL) != 0,
        key,
    };
    if let (false, Some(k)) = (session.guest, session.key) {
        s.keys = Some((k, preauth));
    }
    if let (false, Some(k), true) = (
        session.guest,
        session.key,
        signing_required || s.dialect == Dialect::Smb311,
    ) {
        let sk = SigningKey::derive(s.dialect, &k, &preauth, signing_algorithm)
            .map_err(|_| SmbFailure::Unsupported(stage))?;
        s.signing = Some(sk);
        s.sign_all = signing_required;
        s.verify(&hr, msg, stage)?;
    }
    if flags & smb2::session_flags::ENCRYPT_DATA != 0 || encryption == Encryption::Always {
        s.start_encryption(session.guest, stage)?;
    }

    // TREE_CONNECT (MS-SMB2 3.2.4.2.4).
    let stage = Stage::TreeConnect;
    let mut path = [0u8; 1024];
    let path_len = unc_path(target, share, &mut path).ok_or(SmbFailure::Unsupported(stage))?;
    let path = &path[..path_len];
    let mut tc = tree_connect(&mut s, conn, &mut tx, rx, path);
    // A share that requires encryption refuses an unencrypted TREE_CONNECT
    // (Windows; MS-SMB2 3.3.5.7): retry it encrypted. A guest cannot.
    if let Ok(TreeConnect::Refused(st @ NtStatus::AccessDenied)) = tc
        && s.crypto.is_none()
        && s.cipher.is_some()
    {
        if session.guest {
            let _ = smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff);
            return Err(SmbFailure::GuestCannotEncrypt(stage, Some(st)).into());
        }
        if s.keys.is_some() {
            s.start_encryption(false, stage)?;
            tc = tree_connect(&mut s, conn, &mut tx, rx, path);
        }
    }
    let tc = match tc? {
        TreeConnect::Refused(st) => {
            let _ = smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff);
            return Err(SmbFailure::TreeConnect(st).into());
        }
        TreeConnect::Connected(tree_id, tc) => {
            s.tree_id = tree_id;
            tc
        }
    };
    // Samba grants the tree and then refuses unencrypted requests on it.
    if tc.share_flags & smb2::share_flags::ENCRYPT_DATA != 0 && s.crypto.is_none() {
        s.start_encryption(session.guest, stage)?;
    }
    let share_kind = match tc.share_type {
        smb2::ShareType::Disk => ShareKind::Disk,
        smb2::ShareType::Pipe => ShareKind::Pipe,
        smb2::ShareType::Print => ShareKind::Print,
        smb2::ShareType::Unknown(t) => ShareKind::Unknown(t),
    };

    // TREE_DISCONNECT and LOGOFF (MS-SMB2 3.2.4.3, 3.2.4.22).
    let disconnect = smb2_simple(
        &mut s,
        conn,
        &mut tx,
        rx,
        Command::TreeDisconnect,
        Stage::TreeDisconnect,
    );
    s.tree_id = 0;
    if !share_kind.is_acceptable() {
        let _ = smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff);
        return Err(SmbFailure::ShareType(share_kind).into());
    }
    disconnect?;
    smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff)?;
    Ok(CheckReport {
        protocol: Protocol::Smb2(s.dialect),
        signed: s.sign_all,
        guest: session.guest,
        share: share_kind,
        encryption: s.crypto.as_ref().map(SessionCrypto::cipher),
    })
}

/// How a TREE_CONNECT ended.
enum TreeConnect {
    /// The TreeId and the response.
    Connected(u32, smb2::TreeConnectResponseRepr),
    /// The server's error status.
    Refused(NtStatus),
}

/// One TREE_CONNECT to `path` (UTF-16LE `\\IP\SHARE`, MS-SMB2 3.2.4.2.4).
fn tree_connect(
    s: &mut Smb2,
    conn: &Conn,
    tx: &mut [u8],
    rx: &mut [u8],
    path: &[u8],
) -> Result<TreeConnect> {
    let stage = Stage::TreeConnect;
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;
    s.header(Command::TreeConnect)
        .emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let body = smb2::TreeConnectRequestRepr { flags: 0, path }
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    let Reply {
        header: hr,
        msg,
        body,
    } = s.exchange(conn, tx, smb2::HEADER_LEN + body, rx, stage)?;
    s.verify(&hr, msg, stage)?;
    if hr.status != NtStatus::Success {
        return Ok(TreeConnect::Refused(hr.status));
    }
    let tc = smb2::TreeConnectResponse::new_checked(body)
        .and_then(|v| smb2::TreeConnectResponseRepr::parse(&v))
        .map_err(|_| SmbFailure::Malformed(stage))?;
    Ok(TreeConnect::Connected(hr.tree_id(), tc))
}

/// Lays 16-bit codes out little-endian, as every SMB2 list (MS-SMB2 2.2.3).
/// `B` must be twice `N`; extra bytes stay zero.
fn le_list<const N: usize, const B: usize>(codes: [u16; N]) -> [u8; B] {
    let mut out = [0u8; B];
    for (code, chunk) in codes.iter().zip(out.chunks_exact_mut(2)) {
        chunk.copy_from_slice(&code.to_le_bytes());
    }
    out
}

/// Marks an SMB1 reply where an SMB2 one was expected (an SMB1 server
/// answers an SMB2 NEGOTIATE with DialectIndex 0xFFFF, MS-SMB2 3.2.5.2).
const SMB1_REPLY: u16 = 0xFFFF;

fn emit_session_setup(s: &Smb2, tx: &mut [u8], token: &[u8], stage: Stage) -> Result<usize> {
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;
    s.header(Command::SessionSetup)
        .emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let req = smb2::SessionSetupRequestRepr {
        flags: 0,
        security_mode: smb2::security_mode::SIGNING_ENABLED as u8,
        capabilities: 0,
        channel: 0,
        previous_session_id: 0,
        security_buffer: token,
    };
    let body = req
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    Ok(smb2::HEADER_LEN + body)
}

/// One SESSION_SETUP round carrying `token`: the request goes into the
/// 3.1.1 preauth hash (MS-SMB2 3.2.5.3.1), a status other than `expect`
/// fails the check.
fn session_round<'r>(
    s: &mut Smb2,
    conn: &Conn,
    tx: &mut [u8],
    rx: &'r mut [u8],
    token: &[u8],
    preauth: &mut PreauthHash,
    expect: NtStatus,
) -> Result<Reply<'r>> {
    let stage = Stage::SessionSetup;
    let len = emit_session_setup(s, tx, token, stage)?;
    if s.dialect == Dialect::Smb311 {
        let m0 = nbss::HEADER_LEN;
        preauth.update(&tx[m0..m0 + len]);
    }
    let reply = s.exchange(conn, tx, len, rx, stage)?;
    if reply.header.status != expect {
        return Err(SmbFailure::SessionSetup(reply.header.status));
    }
    Ok(reply)
}

fn session_setup_body(body: &[u8], stage: Stage) -> Result<smb2::SessionSetupResponseRepr<'_>> {
    let v =
        smb2::SessionSetupResponse::new_checked(body).map_err(|_| SmbFailure::Malformed(stage))?;
    smb2::SessionSetupResponseRepr::parse(&v).map_err(|_| SmbFailure::Malformed(stage))
}

/// A request with the 4-byte body: TREE_DISCONNECT or LOGOFF.
fn smb2_simple(
    s: &mut Smb2,
    conn: &Conn,
    tx: &mut [u8],
    rx: &mut [u8],
    command: Command,
    stage: Stage,
) -> Result<()> {
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;
    s.header(command)
        .emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let body = smb2::EmptyRepr
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let Reply {
        header: hr,
        msg,
        body,
    } = s.exchange(conn, tx, smb2::HEADER_LEN + body, rx, stage)?;
    s.verify(&hr, msg, stage)?;
    if hr.status != NtStatus::Success {
        return Err(match command {
            Command::Logoff => SmbFailure::Logoff(hr.status),
            _ => SmbFailure::TreeDisconnect(hr.status),
        });
    }
    smb2::EmptyRepr::parse(body).map_err(|_| SmbFailure::Malformed(stage))?;
    Ok(())
}
