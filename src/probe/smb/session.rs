//! The NTLMSSP session of an SMB check, wrapped in SPNEGO: the tokens of
//! both SESSION_SETUP rounds (MS-SPNG 3.1.5, MS-NLMP 3.1.5.1), shared by
//! the SMB2/3 and SMB1 dialects.

use core::fmt;

use super::{Result, SmbFailure, Stage, filetime_now, random_bytes};
use crate::wire::ntlmssp::{
    self, AuthenticateRepr, ChallengeMessage, ChallengeRepr, NegotiateRepr,
};
use crate::wire::spnego::{NegTokenInitRepr, NegTokenRespRepr};
use crate::wire::{Case, utf16le};

/// User, domain and password for NTLMv2. The password never shows in
/// `Debug` output.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// User name (without the domain).
    pub user: &'a str,
    /// Domain; empty means the server's own (MsvAvNbDomainName).
    pub domain: &'a str,
    /// Password bytes (UTF-8, or Latin-1 when not valid UTF-8).
    pub password: &'a [u8],
}

impl<'a> Credentials<'a> {
    /// Splits `DOMAIN\user`; a plain name has an empty domain.
    pub fn new(user: &'a str, password: &'a [u8]) -> Credentials<'a> {
        match user.split_once('\\') {
            Some((domain, user)) => Credentials {
                user,
                domain,
                password,
            },
            None => Credentials {
                user,
                domain: "",
                password,
            },
        }
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// What the session setup exchange produced.
pub(super) struct Session {
    pub(super) guest: bool,
    /// The NTLMv2 session key, absent for anonymous.
    pub(super) key: Option<[u8; 16]>,
}

/// Builds the NTLMSSP AUTHENTICATE for `challenge` into `out`; returns
/// its length and the session key (MS-NLMP 3.1.5.1.2).
fn authenticate(
    challenge: &[u8],
    creds: Option<&Credentials<'_>>,
    out: &mut [u8],
    stage: Stage,
) -> Result<(usize, Option<[u8; 16]>)> {
    let malformed = SmbFailure::Malformed(stage);
    let view = ChallengeMessage::new_checked(challenge).map_err(|_| malformed)?;
    let chal = ChallengeRepr::parse(&view).map_err(|_| malformed)?;
    let mut workstation = [0u8; 12];
    let ws_len = utf16le("MAMORI", Case::AsIs, &mut workstation).map_err(|_| malformed)?;
    let Some(creds) = creds else {
        // Anonymous: LmChallengeResponse Z(1), empty NT response, no
        // names (MS-NLMP 3.2.5.1.2).
        let repr = AuthenticateRepr {
            flags: ntlmssp::flags::CLIENT | ntlmssp::flags::ANONYMOUS,
            lm_response: &[0],
            nt_response: &[],
            domain: &[],
            user: &[],
            workstation: &[],
            session_key: &[],
            version: None,
            mic: None,
        };
        let n = repr.emit(out).map_err(|_| SmbFailure::Unsupported(stage))?;
        return Ok((n, None));
    };
    let mut user = [0u8; 512];
    let mut upper = [0u8; 512];
    let mut domain = [0u8; 512];
    let too_long = SmbFailure::Unsupported(stage);
    let user_len = utf16le(creds.user, Case::AsIs, &mut user).map_err(|_| too_long)?;
    let upper_len = utf16le(creds.user, Case::Upper, &mut upper).map_err(|_| too_long)?;
    let domain_len = if creds.domain.is_empty() {
        let d = chal.nb_domain_name().unwrap_or(chal.target_name);
        let dst = domain.get_mut(..d.len()).ok_or(too_long)?;
        dst.copy_from_slice(d);
        d.len()
    } else {
        utf16le(creds.domain, Case::AsIs, &mut domain).map_err(|_| too_long)?
    };
    let key = ntlmssp::nt_owf_v2_le(
        &ntlmssp::nt_hash(creds.password),
        &upper[..upper_len],
        &domain[..domain_len],
    );
    let mut client_challenge = [0u8; 8];
    random_bytes(&mut client_challenge);
    let time = chal.timestamp().unwrap_or_else(filetime_now);
    let mut nt = [0u8; 1536];
    let v2 = ntlmssp::ntlmv2_response(
        &key,
        &chal.server_challenge,
        &client_challenge,
        time,
        chal.target_info,
        &mut nt,
    )
    .map_err(|_| too_long)?;
    let repr = AuthenticateRepr {
        flags: ntlmssp::flags::CLIENT | (chal.flags & ntlmssp::flags::TARGET_INFO),
        lm_response: &v2.lm_response,
        nt_response: &nt[..v2.nt_len],
        domain: &domain[..domain_len],
        user: &user[..user_len],
        workstation: &workstation[..ws_len],
        session_key: &[],
        version: None,
        mic: None,
    };
    let n = repr.emit(out).map_err(|_| too_long)?;
    Ok((n, Some(v2.session_key)))
}

/// SPNEGO NegTokenInit around the NTLMSSP NEGOTIATE (MS-SPNG 3.1.5.1).
pub(super) fn spnego_init(out: &mut [u8], stage: Stage) -> Result<usize> {
    let mut neg = [0u8; 64];
    let n = NegotiateRepr::client()
        .emit(&mut neg)
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    let init = NegTokenInitRepr {
        mech_types: &NegTokenInitRepr::NTLMSSP_MECH_TYPES,
        mech_token: Some(&neg[..n]),
    };
    init.emit(out).map_err(|_| SmbFailure::Unsupported(stage))
}

/// The NTLMSSP token inside a server's NegTokenResp.
pub(super) fn spnego_token(b: &[u8], stage: Stage) -> Result<&[u8]> {
    let resp = NegTokenRespRepr::parse(b).map_err(|_| SmbFailure::Malformed(stage))?;
    resp.response_token.ok_or(SmbFailure::Malformed(stage))
}

/// SPNEGO NegTokenResp around the AUTHENTICATE (MS-SPNG 3.1.5.2).
pub(super) fn spnego_auth(
    challenge_token: &[u8],
    creds: Option<&Credentials<'_>>,
    out: &mut [u8],
    stage: Stage,
) -> Result<(usize, Option<[u8; 16]>)> {
    let mut auth = [0u8; 2048];
    let (n, key) = authenticate(challenge_token, creds, &mut auth, stage)?;
    let resp = NegTokenRespRepr {
        neg_state: None,
        supported_mech: None,
        response_token: Some(&auth[..n]),
        mech_list_mic: None,
    };
    let len = resp.emit(out).map_err(|_| SmbFailure::Unsupported(stage))?;
    Ok((len, key))
}
