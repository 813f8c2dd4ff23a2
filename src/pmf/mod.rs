//! The process monitor facility behind `pmfadm` (SPEC §4, Solaris
//! `pmfadm(1M)`, `scds_pmf_start(3HA)`): rather than one daemon for every
//! nametag (Solaris `rpc.pmfd`), one small supervisor per nametag, s6
//! style, found through a registry in SysV shared memory.

pub mod registry;
pub mod supervisor;

pub use registry::Registry;
pub use supervisor::{Config, End, Supervisor};
