//! Probes: the I/O that drives a codec from [`crate::wire`] against a
//! server, every step bounded by a deadline. No allocation: stack buffers.

pub mod nfs;
pub mod smb;
pub mod tcp;
