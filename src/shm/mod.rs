//! The one shared-memory layer of mamori: the state that pcheck, the file
//! server monitors and the pmf supervisors publish, and that padmin,
//! `clp_*mon -disp`, pmfadm and `mamori status` read without disturbing
//! them.
//!
//! A [`Table`] is one SysV segment at a key, guarded by a `SEM_UNDO`
//! semaphore at the same key: a common [`table::TableHeader`] (magic,
//! version, sizes, capacity), the owner's own header `H`, then `capacity`
//! records `R`. Each applet only defines `H` and `R` and validates them;
//! this module does the rest: trusting the key (ours, mode 0600),
//! create-or-attach under the lock with the EIDRM retry, addressing, the
//! [`Owner`] of a record with its liveness check, bounded [`text`] fields,
//! and the [`Mailbox`] through which a client asks the owner to act and
//! waits for its answer on a futex.

pub mod key;
pub mod mailbox;
pub mod owner;
pub mod table;
pub mod text;

pub use mailbox::{Answer, Mailbox};
pub use owner::Owner;
pub use table::{Error, Invalid, Locked, Spec, Table};
