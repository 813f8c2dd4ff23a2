//! The SPNEGO tokens that carry NTLMSSP in SMB session setup (RFC 4178
//! §4.2, framed as in RFC 2743 §3.1): the client's `NegTokenInit` inside
//! the GSS-API InitialContextToken, and `NegTokenResp` both ways.
//!
//! Only the DER this exchange uses is handled: definite lengths up to
//! three bytes, context tags `[0]`–`[3]`, OID, ENUMERATED, OCTET STRING,
//! SEQUENCE. Unknown context fields are skipped.

use core::fmt;

/// DER of OID 1.3.6.1.5.5.2, SPNEGO (RFC 4178 §3).
pub const OID_SPNEGO: [u8; 6] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// DER of OID 1.3.6.1.4.1.311.2.2.10, NTLMSSP (MS-NLMP 1.9).
pub const OID_NTLMSSP: [u8; 10] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];

const TAG_APPLICATION_0: u8 = 0x60;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_OID: u8 = 0x06;
const TAG_ENUMERATED: u8 = 0x0a;
const TAG_OCTET_STRING: u8 = 0x04;
const fn ctx(n: u8) -> u8 {
    0xa0 | n
}

/// Errors of the SPNEGO codec (RFC 4178 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer ends before the element does.
    Truncated,
    /// A tag other than the one the grammar expects.
    UnexpectedTag(u8),
    /// Indefinite or over-long length.
    BadLength,
    /// The InitialContextToken does not name SPNEGO.
    NotSpnego,
    /// The output buffer is too small.
    NoSpace,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated SPNEGO token"),
            Error::UnexpectedTag(t) => write!(f, "unexpected DER tag 0x{t:02x} in SPNEGO token"),
            Error::BadLength => f.write_str("unsupported DER length in SPNEGO token"),
            Error::NotSpnego => f.write_str("GSS token is not SPNEGO"),
            Error::NoSpace => f.write_str("SPNEGO output buffer too small"),
        }
    }
}

type Result<T> = core::result::Result<T, Error>;

crate::enum_with_unknown! {
    /// negState of a NegTokenResp (RFC 4178 §4.2.2).
    pub enum NegState(u8) {
        /// accept-completed.
        AcceptCompleted = 0,
        /// accept-incomplete.
        AcceptIncomplete = 1,
        /// reject.
        Reject = 2,
        /// request-mic.
        RequestMic = 3,
    }
}

/// Reads one DER element: returns `(rest, tag, contents)` (X.690 §8.1).
pub fn parse_tlv(b: &[u8]) -> Result<(&[u8], u8, &[u8])> {
    let tag = *b.first().ok_or(Error::Truncated)?;
    let first = *b.get(1).ok_or(Error::Truncated)?;
    let (len, head) = match first {
        0x00..=0x7f => (usize::from(first), 2),
        0x81..=0x83 => {
            let n = usize::from(first & 0x7f);
            let bytes = b.get(2..2 + n).ok_or(Error::Truncated)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
            (len, 2 + n)
        }
        _ => return Err(Error::BadLength),
    };
    let contents = b.get(head..head + len).ok_or(Error::Truncated)?;
    let rest = b.get(head + len..).ok_or(Error::Truncated)?;
    Ok((rest, tag, contents))
}

/// Reads one DER element that must carry `tag`.
fn expect(b: &[u8], tag: u8) -> Result<(&[u8], &[u8])> {
    let (rest, t, contents) = parse_tlv(b)?;
    if t == tag {
        Ok((rest, contents))
    } else {
        Err(Error::UnexpectedTag(t))
    }
}

/// Bytes of a DER element whose contents are `len` bytes long.
pub const fn tlv_len(len: usize) -> usize {
    1 + if len < 0x80 {
        1
    } else if len < 0x100 {
        2
    } else if len < 0x1_0000 {
        3
    } else {
        4
    } + len
}

/// Writes a tag and length at `*at` (X.690 §8.1.3, definite form).
fn put_head(out: &mut [u8], at: &mut usize, tag: u8, len: usize) -> Result<()> {
    let mut h = [0u8; 5];
    h[0] = tag;
    let n = if len < 0x80 {
        h[1] = len as u8;
        2
    } else if len < 0x100 {
        h[1] = 0x81;
        h[2] = len as u8;
        3
    } else if len < 0x1_0000 {
        h[1] = 0x82;
        h[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    } else if len < 0x100_0000 {
        h[1] = 0x83;
        h[2..5].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
        5
    } else {
        return Err(Error::NoSpace);
    };
    out.get_mut(*at..*at + n)
        .ok_or(Error::NoSpace)?
        .copy_from_slice(&h[..n]);
    *at += n;
    Ok(())
}

fn put_bytes(out: &mut [u8], at: &mut usize, b: &[u8]) -> Result<()> {
    out.get_mut(*at..*at + b.len())
        .ok_or(Error::NoSpace)?
        .copy_from_slice(b);
    *at += b.len();
    Ok(())
}

/// A NegTokenInit wrapped in the InitialContextToken (RFC 4178 §4.2.1,
/// RFC 2743 §3.1). Also reads the server's NegTokenInit2 hint in a
/// NEGOTIATE response, whose `negHints` field is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegTokenInitRepr<'a> {
    /// The contents of mechTypes: concatenated DER OIDs (tag, length, value).
    pub mech_types: &'a [u8],
    /// mechToken: the first token of the preferred mechanism.
    pub mech_token: Option<&'a [u8]>,
}

impl<'a> NegTokenInitRepr<'a> {
    /// The mechTypes contents offering NTLMSSP only.
    pub const NTLMSSP_MECH_TYPES: [u8; 12] = [
        TAG_OID, 10, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
    ];

    /// Parses an InitialContextToken holding a NegTokenInit (RFC 4178 §4.2.1).
    pub fn parse(b: &'a [u8]) -> Result<Self> {
        let (_, app) = expect(b, TAG_APPLICATION_0)?;
        let (rest, oid) = expect(app, TAG_OID)?;
        if oid != OID_SPNEGO {
            return Err(Error::NotSpnego);
        }
        let (_, init) = expect(rest, ctx(0))?;
        let (_, mut seq) = expect(init, TAG_SEQUENCE)?;
        let mut repr = NegTokenInitRepr {
            mech_types: &[],
            mech_token: None,
        };
        while !seq.is_empty() {
            let (rest, tag, contents) = parse_tlv(seq)?;
            match tag {
                t if t == ctx(0) => {
                    let (_, types) = expect(contents, TAG_SEQUENCE)?;
                    let mut t = types;
                    while !t.is_empty() {
                        t = expect(t, TAG_OID)?.0;
                    }
                    repr.mech_types = types;
                }
                t if t == ctx(2) => repr.mech_token = Some(expect(contents, TAG_OCTET_STRING)?.1),
                _ => {}
            }
            seq = rest;
        }
        Ok(repr)
    }

    /// True when mechTypes lists NTLMSSP (MS-SPNG 3.1.5.1).
    pub fn offers_ntlmssp(&self) -> bool {
        let mut t = self.mech_types;
        while let Ok((rest, oid)) = expect(t, TAG_OID) {
            if oid == OID_NTLMSSP {
                return true;
            }
            t = rest;
        }
        false
    }

    fn inner_lens(&self) -> (usize, usize, usize) {
        let types = tlv_len(tlv_len(self.mech_types.len()));
        let token = self.mech_token.map_or(0, |t| tlv_len(tlv_len(t.len())));
        let seq = tlv_len(types + token);
        let app = tlv_len(OID_SPNEGO.len()) + tlv_len(seq);
        (types + token, seq, app)
    }

    /// Length of the token (RFC 4178 §4.2.1).
    pub fn buffer_len(&self) -> usize {
        tlv_len(self.inner_lens().2)
    }

    /// Writes the token, returning its length (RFC 4178 §4.2.1).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let (seq_contents, seq, app) = self.inner_lens();
        let mut at = 0;
        put_head(out, &mut at, TAG_APPLICATION_0, app)?;
        put_head(out, &mut at, TAG_OID, OID_SPNEGO.len())?;
        put_bytes(out, &mut at, &OID_SPNEGO)?;
        put_head(out, &mut at, ctx(0), seq)?;
        put_head(out, &mut at, TAG_SEQUENCE, seq_contents)?;
        put_head(out, &mut at, ctx(0), tlv_len(self.mech_types.len()))?;
        put_head(out, &mut at, TAG_SEQUENCE, self.mech_types.len())?;
        put_bytes(out, &mut at, self.mech_types)?;
        if let Some(t) = self.mech_token {
            put_head(out, &mut at, ctx(2), tlv_len(t.len()))?;
            put_head(out, &mut at, TAG_OCTET_STRING, t.len())?;
            put_bytes(out, &mut at, t)?;
        }
        Ok(at)
    }
}

/// A NegTokenResp (RFC 4178 §4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegTokenRespRepr<'a> {
    /// negState.
    pub neg_state: Option<NegState>,
    /// supportedMech: the DER contents of the OID.
    pub supported_mech: Option<&'a [u8]>,
    /// responseToken.
    pub response_token: Option<&'a [u8]>,
    /// mechListMIC.
    pub mech_list_mic: Option<&'a [u8]>,
}

impl<'a> NegTokenRespRepr<'a> {
    /// Parses a NegTokenResp (RFC 4178 §4.2.2).
    pub fn parse(b: &'a [u8]) -> Result<Self> {
        let (_, resp) = expect(b, ctx(1))?;
        let (_, mut seq) = expect(resp, TAG_SEQUENCE)?;
        let mut repr = NegTokenRespRepr {
            neg_state: None,
            supported_mech: None,
            response_token: None,
            mech_list_mic: None,
        };
        while !seq.is_empty() {
            let (rest, tag, contents) = parse_tlv(seq)?;
            match tag {
                t if t == ctx(0) => {
                    let (_, e) = expect(contents, TAG_ENUMERATED)?;
                    match e {
                        [v] => repr.neg_state = Some(NegState::from(*v)),
                        _ => return Err(Error::BadLength),
                    }
                }
                t if t == ctx(1) => repr.supported_mech = Some(expect(contents, TAG_OID)?.1),
                t if t == ctx(2) => {
                    repr.response_token = Some(expect(contents, TAG_OCTET_STRING)?.1)
                }
                t if t == ctx(3) => {
                    repr.mech_list_mic = Some(expect(contents, TAG_OCTET_STRING)?.1)
                }
                _ => {}
            }
            seq = rest;
        }
        Ok(repr)
    }

    fn seq_contents_len(&self) -> usize {
        self.neg_state.map_or(0, |_| tlv_len(tlv_len(1)))
            + self.supported_mech.map_or(0, |m| tlv_len(tlv_len(m.len())))
            + self.response_token.map_or(0, |t| tlv_len(tlv_len(t.len())))
            + self.mech_list_mic.map_or(0, |m| tlv_len(tlv_len(m.len())))
    }

    /// Length of the token (RFC 4178 §4.2.2).
    pub fn buffer_len(&self) -> usize {
        tlv_len(tlv_len(self.seq_contents_len()))
    }

    /// Writes the token, returning its length (RFC 4178 §4.2.2).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let contents = self.seq_contents_len();
        let mut at = 0;
        put_head(out, &mut at, ctx(1), tlv_len(contents))?;
        put_head(out, &mut at, TAG_SEQUENCE, contents)?;
        if let Some(s) = self.neg_state {
            put_head(out, &mut at, ctx(0), tlv_len(1))?;
            put_head(out, &mut at, TAG_ENUMERATED, 1)?;
            put_bytes(out, &mut at, &[u8::from(s)])?;
        }
        for (n, tag, v) in [
            (1, TAG_OID, self.supported_mech),
            (2, TAG_OCTET_STRING, self.response_token),
            (3, TAG_OCTET_STRING, self.mech_list_mic),
        ] {
            if let Some(v) = v {
                put_head(out, &mut at, ctx(n), tlv_len(v.len()))?;
                put_head(out, &mut at, tag, v.len())?;
                put_bytes(out, &mut at, v)?;
            }
        }
        Ok(at)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // Fixtures: the security buffers of `tests/captures/smb311_user.pcapng`
    // (smbclient -U smbtest%pw against Samba 4.17).
    /// `smb311_user.pcapng` frame 6: SPNEGO NegTokenInit hint of the NEGOTIATE response.
    static NEG_HINT: [u8; 74] = [
        0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0,
        0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
        0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b, 0x24, 0x6e, 0x6f, 0x74, 0x5f, 0x64, 0x65, 0x66,
        0x69, 0x6e, 0x65, 0x64, 0x5f, 0x69, 0x6e, 0x5f, 0x52, 0x46, 0x43, 0x34, 0x31, 0x37, 0x38,
        0x40, 0x70, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x5f, 0x69, 0x67, 0x6e, 0x6f, 0x72, 0x65,
    ];
    /// `smb311_user.pcapng` frame 8: SPNEGO NegTokenInit of SESSION_SETUP #1.
    static INIT: [u8; 74] = [
        0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0,
        0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
        0xa2, 0x2a, 0x04, 0x28, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x15, 0x82, 0x08, 0x62, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f,
    ];
    /// `smb311_user.pcapng` frame 9: SPNEGO NegTokenResp carrying the CHALLENGE.
    static RESP_CHALLENGE: [u8; 132] = [
        0xa1, 0x81, 0x81, 0x30, 0x7f, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0xa1, 0x0c, 0x06, 0x0a, 0x2b,
        0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x6a, 0x04, 0x68, 0x4e, 0x54,
        0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x38,
        0x00, 0x00, 0x00, 0x15, 0x82, 0x8a, 0x62, 0xff, 0x17, 0xbb, 0xc7, 0x04, 0x7b, 0xd9, 0x86,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x2c, 0x00, 0x3c, 0x00, 0x00,
        0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x56, 0x00, 0x4d, 0x00, 0x02, 0x00,
        0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x01, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x04,
        0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x76, 0x00, 0x6d, 0x00, 0x07, 0x00, 0x08, 0x00,
        0x2a, 0x7a, 0x84, 0xec, 0x96, 0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb311_user.pcapng` frame 10: SPNEGO NegTokenResp carrying the AUTHENTICATE and a mechListMIC.
    static RESP_AUTH: [u8; 400] = [
        0xa1, 0x82, 0x01, 0x8c, 0x30, 0x82, 0x01, 0x88, 0xa2, 0x82, 0x01, 0x70, 0x04, 0x82, 0x01,
        0x6c, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00, 0x18, 0x00,
        0x18, 0x00, 0x58, 0x00, 0x00, 0x00, 0xc8, 0x00, 0xc8, 0x00, 0x70, 0x00, 0x00, 0x00, 0x12,
        0x00, 0x12, 0x00, 0x38, 0x01, 0x00, 0x00, 0x0e, 0x00, 0x0e, 0x00, 0x4a, 0x01, 0x00, 0x00,
        0x04, 0x00, 0x04, 0x00, 0x58, 0x01, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x5c, 0x01, 0x00,
        0x00, 0x15, 0x82, 0x08, 0x62, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xa4, 0x39,
        0x65, 0x28, 0x17, 0x2e, 0x6d, 0xfa, 0xe3, 0x9c, 0xc2, 0x64, 0x76, 0x76, 0xe0, 0x4d, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9e, 0x92, 0x19, 0x82, 0x07, 0x2f, 0xb9,
        0xb4, 0x6c, 0x07, 0xf1, 0x6f, 0xe4, 0x61, 0x99, 0x5a, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x2a, 0x7a, 0x84, 0xec, 0x96, 0x79, 0xdd, 0x01, 0x0d, 0xdb, 0x76, 0xbf, 0x1f,
        0x9b, 0x66, 0x93, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00,
        0x01, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04,
        0x00, 0x76, 0x00, 0x6d, 0x00, 0x07, 0x00, 0x08, 0x00, 0x2a, 0x7a, 0x84, 0xec, 0x96, 0x79,
        0xdd, 0x01, 0x06, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x30, 0x00, 0x30,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x1b, 0x56, 0x2d, 0x2b, 0x07, 0x43, 0xa2, 0x3c, 0x85, 0x47, 0x8c, 0x0d, 0x55, 0x37,
        0xfa, 0xa0, 0x2d, 0x6b, 0xd9, 0x18, 0xe3, 0x2d, 0xb5, 0x88, 0x29, 0x77, 0xea, 0xc7, 0x40,
        0xc9, 0x37, 0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x1c, 0x00, 0x63, 0x00, 0x69, 0x00,
        0x66, 0x00, 0x73, 0x00, 0x2f, 0x00, 0x31, 0x00, 0x32, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x30,
        0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x57, 0x00,
        0x4f, 0x00, 0x52, 0x00, 0x4b, 0x00, 0x47, 0x00, 0x52, 0x00, 0x4f, 0x00, 0x55, 0x00, 0x50,
        0x00, 0x73, 0x00, 0x6d, 0x00, 0x62, 0x00, 0x74, 0x00, 0x65, 0x00, 0x73, 0x00, 0x74, 0x00,
        0x56, 0x00, 0x4d, 0x00, 0x35, 0xdc, 0xf0, 0x4d, 0xf6, 0x4b, 0x92, 0x79, 0x25, 0xf3, 0x6b,
        0x7c, 0x04, 0xb4, 0x19, 0xa9, 0xa3, 0x12, 0x04, 0x10, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x4c,
        0x90, 0x52, 0xf3, 0xcb, 0xb9, 0x74, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb311_user.pcapng` frame 11: SPNEGO NegTokenResp accept-completed.
    static RESP_COMPLETE: [u8; 29] = [
        0xa1, 0x1b, 0x30, 0x19, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0xa3, 0x12, 0x04, 0x10, 0x01, 0x00,
        0x00, 0x00, 0x83, 0x73, 0x88, 0x89, 0x67, 0x5b, 0x14, 0x7c, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn init_read_and_emit() {
        let hint = NegTokenInitRepr::parse(&NEG_HINT).unwrap();
        assert!(hint.offers_ntlmssp());
        assert_eq!(hint.mech_token, None);
        let init = NegTokenInitRepr::parse(&INIT).unwrap();
        assert_eq!(init.mech_types, &NegTokenInitRepr::NTLMSSP_MECH_TYPES);
        let token = init.mech_token.unwrap();
        assert_eq!(&token[..8], b"NTLMSSP\0");
        let mut buf = [0xa5u8; 74];
        assert_eq!(init.buffer_len(), 74);
        assert_eq!(init.emit(&mut buf).unwrap(), 74);
        assert_eq!(buf, INIT);
        assert!(init.emit(&mut buf[..73]).is_err());
    }

    #[test]
    fn resp_read_and_emit() {
        let c = NegTokenRespRepr::parse(&RESP_CHALLENGE).unwrap();
        assert_eq!(c.neg_state, Some(NegState::AcceptIncomplete));
        assert_eq!(c.supported_mech, Some(&OID_NTLMSSP[..]));
        assert_eq!(&c.response_token.unwrap()[..8], b"NTLMSSP\0");
        let a = NegTokenRespRepr::parse(&RESP_AUTH).unwrap();
        assert_eq!(a.neg_state, None);
        assert_eq!(a.mech_list_mic.map(|m| m.len()), Some(16));
        let done = NegTokenRespRepr::parse(&RESP_COMPLETE).unwrap();
        assert_eq!(done.neg_state, Some(NegState::AcceptCompleted));
        for (r, fixture) in [
            (c, &RESP_CHALLENGE[..]),
            (a, &RESP_AUTH[..]),
            (done, &RESP_COMPLETE[..]),
        ] {
            let mut buf = [0xa5u8; 512];
            assert_eq!(r.buffer_len(), fixture.len());
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..n], fixture);
        }
    }

    #[test]
    fn every_truncation_fails() {
        for f in [&NEG_HINT[..], &INIT[..]] {
            for n in 0..f.len() {
                assert!(NegTokenInitRepr::parse(&f[..n]).is_err(), "{n}");
            }
        }
        for f in [&RESP_CHALLENGE[..], &RESP_AUTH[..], &RESP_COMPLETE[..]] {
            for n in 0..f.len() {
                assert!(NegTokenRespRepr::parse(&f[..n]).is_err(), "{n}");
            }
        }
        assert_eq!(parse_tlv(&[0x04, 0x80]).err(), Some(Error::BadLength));
    }
}
