//! Wire formats: pure codecs for the protocols the file-server monitors
//! speak. No I/O, no allocation: a view borrows a byte buffer, a `Repr`
//! holds validated fields, `emit` writes into a caller's buffer.
//!
//! Contract for every codec here (STYLE.md):
//! - `View::new_checked(buf)` validates lengths once; after it succeeds no
//!   accessor panics. Variable-length data is parsed with a cursor that
//!   returns the unread rest, never by unchecked indexing.
//! - Codes the peer sends are open enums (`enum_with_unknown!`): an unknown
//!   value is data to report, not a parse failure.
//! - Errors are small `Copy` enums per layer with a hand-written `Display`.
//! - Fixed fields are named [`Field`] ranges read and written through
//!   [`le`] (Microsoft protocols) or [`be`] (the ONC RPC family), which
//!   share one contract: in bounds after `check_len`, a bug otherwise.
//! - One `emit` convention: a fixed header's `Repr::emit(&self, &mut View)`
//!   cannot fail (the view was sized by `HEADER_LEN`); a variable-length
//!   message's `emit(&self, out: &mut [u8]) -> Result<usize>` returns the
//!   bytes written, or `NoSpace` when `out` is shorter than
//!   `buffer_len()`; XDR bodies `emit(&self, &mut xdr::Writer) ->
//!   Result<()>` append to the writer, which tracks the length.

/// A field's byte range in a fixed layout (`mod field` in each view).
pub type Field = core::ops::Range<usize>;

pub use le::{Case, NoSpace, utf16le};

/// Declares an open enum over an integer type: every named value becomes a
/// variant and every other value `Unknown(raw)`, so decoding a code the
/// peer sends never fails (after smoltcp's `enum_with_unknown!`).
#[macro_export]
macro_rules! enum_with_unknown {
    (
        $( #[$enum_attr:meta] )*
        pub enum $name:ident($ty:ty) {
            $( $( #[$variant_attr:meta] )* $variant:ident = $value:expr ),+ $(,)?
        }
    ) => {
        $( #[$enum_attr] )*
        #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Clone, Copy)]
        pub enum $name {
            $( $( #[$variant_attr] )* $variant ),*,
            /// A value this codec has no name for.
            Unknown($ty),
        }

        impl ::core::convert::From<$ty> for $name {
            fn from(value: $ty) -> Self {
                match value {
                    $( $value => $name::$variant ),*,
                    other => $name::Unknown(other),
                }
            }
        }

        impl ::core::convert::From<$name> for $ty {
            fn from(value: $name) -> Self {
                match value {
                    $( $name::$variant => $value ),*,
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

pub mod be;
pub mod le;
pub mod mount;
pub mod nbss;
pub mod nfs3;
pub mod nfs4;
pub mod ntlmssp;
pub mod ntstatus;
pub mod oncrpc;
pub mod portmap;
pub mod smb1;
pub mod smb2;
pub mod smb2_crypt;
pub mod smb2_sign;
pub mod smb2_transform;
pub mod spnego;
pub mod tzif;
pub mod xdr;
