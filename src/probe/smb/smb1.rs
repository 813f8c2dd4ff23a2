//! The SMB1 share check with the NT LM 0.12 dialect and extended security
//! (MS-CIFS 3.2.4, MS-SMB 3.2.4): for servers that speak nothing newer.

use core::net::SocketAddr;

use super::session::{Credentials, spnego_auth, spnego_init, spnego_token};
use super::{CheckReport, Conn, Protocol, Result, ShareKind, SmbFailure, Stage, TX_LEN, unc_path};
use crate::wire::nbss;
use crate::wire::ntstatus::NtStatus;
use crate::wire::smb1;

struct Smb1 {
    mid: u16,
    uid: u16,
    tid: u16,
    pid: u16,
    /// MAC key and the next sequence number (MS-CIFS 3.1.4.1).
    signing: Option<(smb1::SigningKey, u32)>,
}

impl Smb1 {
    fn header(&self, command: smb1::Command) -> smb1::HeaderRepr {
        smb1::HeaderRepr::request(command, self.tid, self.uid, self.mid, self.pid)
    }

    /// Emits header + `body` into `tx`, signs when active, sends, and
    /// returns the matching reply's header and body (after the 32-byte
    /// header).
    fn exchange<'r>(
        &mut self,
        conn: &Conn,
        tx: &mut [u8],
        command: smb1::Command,
        body_len: usize,
        rx: &'r mut [u8],
        stage: Stage,
    ) -> Result<(smb1::HeaderRepr, &'r [u8])> {
        let m0 = nbss::HEADER_LEN;
        let len = smb1::HEADER_LEN + body_len;
        let mut h = self.header(command);
        if self.signing.is_some() {
            h.flags2 |= smb1::flags2::SECURITY_SIGNATURE;
        }
        h.emit(&mut smb1::Header::new_unchecked(
            &mut tx[m0..m0 + smb1::HEADER_LEN],
        ));
        let frame = &mut tx[..m0 + len];
        let reply_seq = if let Some((key, seq)) = &mut self.signing {
            key.sign(&mut frame[m0..], *seq)
                .map_err(|_| SmbFailure::Malformed(stage))?;
            *seq += 2;
            Some(*seq - 1)
        } else {
            None
        };
        let deadline = conn.deadline();
        conn.send_frame(frame, deadline, stage)?;
        let mid = self.mid;
        self.mid = self.mid.wrapping_add(1);
        let msg = conn.recv_frame(rx, deadline, stage)?;
        let hv = smb1::Header::new_checked(msg).map_err(|_| SmbFailure::Malformed(stage))?;
        let hr = smb1::HeaderRepr::parse(&hv).map_err(|_| SmbFailure::Malformed(stage))?;
        if hr.mid != mid || !hr.is_reply() || hr.command != command {
            return Err(SmbFailure::Malformed(stage));
        }
        if let (Some((key, _)), Some(seq)) = (&self.signing, reply_seq)
            && hr.flags2 & smb1::flags2::SECURITY_SIGNATURE != 0
            && !key.verify(msg, seq)
        {
            return Err(SmbFailure::BadSignature(stage));
        }
        Ok((hr, &msg[smb1::HEADER_LEN..]))
    }
}

pub(super) fn check(
    conn: &Conn,
    rx: &mut [u8],
    target: SocketAddr,
    share: &str,
    creds: Option<&Credentials<'_>>,
) -> Result<CheckReport> {
    let mut tx = [0u8; TX_LEN];
    let b0 = nbss::HEADER_LEN + smb1::HEADER_LEN;
    let mut s = Smb1 {
        mid: 1,
        uid: 0,
        tid: 0,
        pid: (std::process::id() & 0xFFFF) as u16,
        signing: None,
    };

    // NEGOTIATE with NT LM 0.12 (MS-CIFS 3.2.4.2.1).
    let stage = Stage::Negotiate;
    let n = smb1::NegotiateRequestRepr::NT_LM_012_ONLY
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let (hr, body) = s.exchange(conn, &mut tx, smb1::Command::Negotiate, n, rx, stage)?;
    if hr.status != NtStatus::Success {
        return Err(SmbFailure::Negotiate(hr.status));
    }
    let neg = smb1::NegotiateResponseRepr::parse(body).map_err(|_| SmbFailure::Malformed(stage))?;
    let params = match (neg.dialect_index, neg.params) {
        (0, Some(p)) => Smb1Params {
            max_mpx_count: p.max_mpx_count,
            session_key: p.session_key,
            capabilities: p.capabilities,
            security_mode: p.security_mode,
        },
        (i, _) => return Err(SmbFailure::NoCommonDialect(i)),
    };
    if params.capabilities & smb1::caps::EXTENDED_SECURITY == 0 {
        return Err(SmbFailure::Unsupported(stage));
    }
    let signing_required = params.security_mode & smb1::security_mode::SIGNATURES_REQUIRED != 0;

    // SESSION_SETUP_ANDX, two rounds of NTLMSSP (MS-SMB 3.2.4.2.4).
    let stage = Stage::SessionSetup;
    let mut token = [0u8; 2048];
    let n = spnego_init(&mut token, stage)?;
    let (hr, body) = session_round(
        &mut s,
        conn,
        &mut tx,
        rx,
        &params,
        &token[..n],
        NtStatus::MoreProcessingRequired,
    )?;
    s.uid = hr.uid;
    let resp =
        smb1::SessionSetupResponseRepr::parse(body).map_err(|_| SmbFailure::Malformed(stage))?;
    let challenge = spnego_token(resp.security_blob, stage)?;
    let (n, key) = spnego_auth(challenge, creds, &mut token, stage)?;
    let (hr, body) = session_round(
        &mut s,
        conn,
        &mut tx,
        rx,
        &params,
        &token[..n],
        NtStatus::Success,
    )?;
    let resp =
        smb1::SessionSetupResponseRepr::parse(body).map_err(|_| SmbFailure::Malformed(stage))?;
    let guest = creds.is_none() || resp.action & smb1::ACTION_GUEST != 0;
    // The reply just received, header included, starts `rx`.
    let reply_len = smb1::HEADER_LEN + body.len();
    if let (true, false, Some(k)) = (signing_required, guest, key) {
        let msg = &rx[..reply_len];
        // The final SESSION_SETUP request and its reply used sequence
        // numbers 0 and 1 (MS-CIFS 3.2.5.3 / 3.2.4.1.1): the next is 2.
        let key = smb1::SigningKey(k);
        if hr.flags2 & smb1::flags2::SECURITY_SIGNATURE != 0 && !key.verify(msg, 1) {
            return Err(SmbFailure::BadSignature(stage));
        }
        s.signing = Some((key, 2));
    }

    // TREE_CONNECT_ANDX (MS-CIFS 3.2.4.4).
    let stage = Stage::TreeConnect;
    let mut path = [0u8; 1024];
    let path_len = unc_path(target, share, &mut path).ok_or(SmbFailure::Unsupported(stage))?;
    let req = smb1::TreeConnectRequestRepr {
        andx: smb1::AndX::NONE,
        flags: smb1::TREE_CONNECT_EXTENDED_RESPONSE,
        password: &[0],
        path: &path[..path_len],
        service: smb1::SERVICE_ANY,
    };
    let n = req
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    let (hr, body) = s.exchange(conn, &mut tx, smb1::Command::TreeConnectAndx, n, rx, stage)?;
    if hr.status != NtStatus::Success {
        let _ = smb1_logoff(&mut s, conn, &mut tx, rx);
        return Err(SmbFailure::TreeConnect(hr.status));
    }
    let tc =
        smb1::TreeConnectResponseRepr::parse(body).map_err(|_| SmbFailure::Malformed(stage))?;
    s.tid = hr.tid;
    let share_kind = match tc.service {
        b"A:" => ShareKind::Disk,
        b"LPT1:" => ShareKind::Print,
        b"IPC" => ShareKind::Pipe,
        b"COMM" => ShareKind::Comm,
        _ => ShareKind::UnknownService,
    };

    // TREE_DISCONNECT and LOGOFF_ANDX (MS-CIFS 3.2.4.5, 3.2.4.23).
    let stage = Stage::TreeDisconnect;
    let n = smb1::EmptyRepr
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let disconnect = s
        .exchange(conn, &mut tx, smb1::Command::TreeDisconnect, n, rx, stage)
        .and_then(|(hr, _)| {
            if hr.status == NtStatus::Success {
                Ok(())
            } else {
                Err(SmbFailure::TreeDisconnect(hr.status))
            }
        });
    s.tid = 0;
    if !share_kind.is_acceptable() {
        let _ = smb1_logoff(&mut s, conn, &mut tx, rx);
        return Err(SmbFailure::ShareType(share_kind));
    }
    disconnect?;
    smb1_logoff(&mut s, conn, &mut tx, rx)?;
    Ok(CheckReport {
        protocol: Protocol::Smb1,
        signed: s.signing.is_some(),
        guest,
        share: share_kind,
        encryption: None,
    })
}

/// What SESSION_SETUP_ANDX needs from the NEGOTIATE response.
struct Smb1Params {
    max_mpx_count: u16,
    session_key: u32,
    capabilities: u32,
    security_mode: u8,
}

/// One SESSION_SETUP_ANDX round carrying `blob`; a status other than
/// `expect` fails the check.
fn session_round<'r>(
    s: &mut Smb1,
    conn: &Conn,
    tx: &mut [u8],
    rx: &'r mut [u8],
    params: &Smb1Params,
    blob: &[u8],
    expect: NtStatus,
) -> Result<(smb1::HeaderRepr, &'r [u8])> {
    let stage = Stage::SessionSetup;
    let b0 = nbss::HEADER_LEN + smb1::HEADER_LEN;
    let n = emit_smb1_session_setup(params, blob, &mut tx[b0..], stage)?;
    let command = smb1::Command::SessionSetupAndx;
    let (hr, body) = s.exchange(conn, tx, command, n, rx, stage)?;
    if hr.status != expect {
        return Err(SmbFailure::SessionSetup(hr.status));
    }
    Ok((hr, body))
}

fn emit_smb1_session_setup(
    params: &Smb1Params,
    blob: &[u8],
    out: &mut [u8],
    stage: Stage,
) -> Result<usize> {
    // NativeOS and NativeLanMan are empty UTF-16 strings, 2-aligned from
    // the header start: the data block starts at 32 + 1 + 24 + 2 = 59.
    let strings: &[u8] = if (59 + blob.len()) % 2 == 1 {
        &[0; 5]
    } else {
        &[0; 4]
    };
    let req = smb1::SessionSetupRequestRepr {
        andx: smb1::AndX::NONE,
        max_buffer_size: 0xFFFF,
        max_mpx_count: params.max_mpx_count.clamp(1, 50),
        vc_number: 1,
        session_key: params.session_key,
        capabilities: smb1::caps::UNICODE
            | smb1::caps::NT_SMBS
            | smb1::caps::NT_STATUS
            | smb1::caps::LARGE_FILES
            | smb1::caps::EXTENDED_SECURITY,
        security_blob: blob,
        strings,
    };
    req.emit(out).map_err(|_| SmbFailure::Unsupported(stage))
}

fn smb1_logoff(s: &mut Smb1, conn: &Conn, tx: &mut [u8], rx: &mut [u8]) -> Result<()> {
    let stage = Stage::Logoff;
    let b0 = nbss::HEADER_LEN + smb1::HEADER_LEN;
    let n = smb1::LogoffRepr {
        andx: smb1::AndX::NONE,
    }
    .emit(&mut tx[b0..])
    .map_err(|_| SmbFailure::Malformed(stage))?;
    let (hr, _) = s.exchange(conn, tx, smb1::Command::LogoffAndx, n, rx, stage)?;
    if hr.status == NtStatus::Success {
        Ok(())
    } else {
        Err(SmbFailure::Logoff(hr.status))
    }
}
