//! NT status codes (MS-ERREF 2.3.1) as SMB2 and SMB1 with `FLAGS2_NT_STATUS`
//! carry them in their headers (MS-SMB2 2.2.1, MS-CIFS 2.2.3.1).
//!
//! The enum is open: a code without a name here is kept as
//! `NtStatus::Unknown(raw)` and reported, never refused.

use core::fmt;

crate::enum_with_unknown! {
    /// A 32-bit NTSTATUS value (MS-ERREF 2.3.1), the ones a share check meets.
    pub enum NtStatus(u32) {
        /// STATUS_SUCCESS (MS-ERREF 2.3.1).
        Success = 0x0000_0000,
        /// STATUS_PENDING: an interim asynchronous response (MS-SMB2 3.3.4.2).
        Pending = 0x0000_0103,
        /// STATUS_BUFFER_OVERFLOW.
        BufferOverflow = 0x8000_0005,
        /// STATUS_NO_MORE_FILES.
        NoMoreFiles = 0x8000_0006,
        /// STATUS_NOT_IMPLEMENTED.
        NotImplemented = 0xC000_0002,
        /// STATUS_INVALID_PARAMETER.
        InvalidParameter = 0xC000_000D,
        /// STATUS_MORE_PROCESSING_REQUIRED: the normal NTLMSSP middle step
        /// of SESSION_SETUP (MS-SMB2 3.3.5.5.3).
        MoreProcessingRequired = 0xC000_0016,
        /// STATUS_ACCESS_DENIED.
        AccessDenied = 0xC000_0022,
        /// STATUS_BUFFER_TOO_SMALL.
        BufferTooSmall = 0xC000_0023,
        /// STATUS_OBJECT_NAME_NOT_FOUND.
        ObjectNameNotFound = 0xC000_0034,
        /// STATUS_NOT_SUPPORTED.
        NotSupported = 0xC000_00BB,
        /// STATUS_LOGON_FAILURE: wrong user name or password.
        LogonFailure = 0xC000_006D,
        /// STATUS_ACCOUNT_RESTRICTION.
        AccountRestriction = 0xC000_006E,
        /// STATUS_INVALID_LOGON_HOURS.
        InvalidLogonHours = 0xC000_006F,
        /// STATUS_INVALID_WORKSTATION.
        InvalidWorkstation = 0xC000_0070,
        /// STATUS_PASSWORD_EXPIRED.
        PasswordExpired = 0xC000_0071,
        /// STATUS_ACCOUNT_DISABLED.
        AccountDisabled = 0xC000_0072,
        /// STATUS_INSUFFICIENT_RESOURCES.
        InsufficientResources = 0xC000_009A,
        /// STATUS_BAD_NETWORK_PATH.
        BadNetworkPath = 0xC000_00BE,
        /// STATUS_NETWORK_ACCESS_DENIED.
        NetworkAccessDenied = 0xC000_00CA,
        /// STATUS_BAD_NETWORK_NAME: the share does not exist (tree connect).
        BadNetworkName = 0xC000_00CC,
        /// STATUS_REQUEST_NOT_ACCEPTED: too many connections.
        RequestNotAccepted = 0xC000_00D0,
        /// STATUS_INVALID_NETWORK_RESPONSE.
        InvalidNetworkResponse = 0xC000_00C3,
        /// STATUS_NETWORK_NAME_DELETED.
        NetworkNameDeleted = 0xC000_00C9,
        /// STATUS_USER_SESSION_DELETED.
        UserSessionDeleted = 0xC000_0203,
        /// STATUS_NETWORK_SESSION_EXPIRED.
        NetworkSessionExpired = 0xC000_035C,
        /// STATUS_ACCOUNT_LOCKED_OUT.
        AccountLockedOut = 0xC000_0234,
        /// STATUS_PASSWORD_MUST_CHANGE.
        PasswordMustChange = 0xC000_0224,
        /// STATUS_INVALID_SMB: the server could not parse a request.
        InvalidSmb = 0x0001_0002,
        /// STATUS_SMB_BAD_TID.
        SmbBadTid = 0x0005_0002,
        /// STATUS_SMB_BAD_UID.
        SmbBadUid = 0x005B_0002,
        /// STATUS_SMB_NO_SUPPORT.
        SmbNoSupport = 0xFFFF_0002,
    }
}

impl NtStatus {
    /// The raw 32-bit value, for messages such as `tree connect error[nn]`.
    pub fn raw(self) -> u32 {
        u32::from(self)
    }

    /// Severity "error" (the two top bits are 11, MS-ERREF 2.3).
    pub fn is_error(self) -> bool {
        self.raw() >> 30 == 3
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            NtStatus::Success => "STATUS_SUCCESS",
            NtStatus::Pending => "STATUS_PENDING",
            NtStatus::MoreProcessingRequired => "STATUS_MORE_PROCESSING_REQUIRED",
            NtStatus::AccessDenied => "STATUS_ACCESS_DENIED",
            NtStatus::LogonFailure => "STATUS_LOGON_FAILURE",
            NtStatus::BadNetworkName => "STATUS_BAD_NETWORK_NAME",
            NtStatus::AccountDisabled => "STATUS_ACCOUNT_DISABLED",
            NtStatus::AccountLockedOut => "STATUS_ACCOUNT_LOCKED_OUT",
            NtStatus::PasswordExpired => "STATUS_PASSWORD_EXPIRED",
            NtStatus::NotSupported => "STATUS_NOT_SUPPORTED",
            NtStatus::InvalidParameter => "STATUS_INVALID_PARAMETER",
            NtStatus::NetworkNameDeleted => "STATUS_NETWORK_NAME_DELETED",
            NtStatus::UserSessionDeleted => "STATUS_USER_SESSION_DELETED",
            NtStatus::RequestNotAccepted => "STATUS_REQUEST_NOT_ACCEPTED",
            _ => return write!(f, "0x{:08X}", self.raw()),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn open_enum_round_trips() {
        assert_eq!(NtStatus::from(0xC000_00CC), NtStatus::BadNetworkName);
        assert_eq!(NtStatus::from(0x1234_5678), NtStatus::Unknown(0x1234_5678));
        assert_eq!(NtStatus::Unknown(0x1234_5678).raw(), 0x1234_5678);
        assert!(NtStatus::LogonFailure.is_error());
        assert!(
            !NtStatus::MoreProcessingRequired.is_error()
                || NtStatus::MoreProcessingRequired.raw() >> 30 == 3
        );
        assert!(!NtStatus::Success.is_error());
    }

    #[test]
    fn display_names_and_hex() {
        use core::fmt::Write;
        let mut s = heapless::String::<40>::new();
        write!(
            s,
            "{} {}",
            NtStatus::LogonFailure,
            NtStatus::Unknown(0xC000_1234)
        )
        .unwrap();
        assert_eq!(s.as_str(), "STATUS_LOGON_FAILURE 0xC0001234");
    }
}
