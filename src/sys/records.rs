//! Every record type that lives in shared memory, declared [`Plain`] here
//! (the only `unsafe impl`s for them) with the list of its fields, so that
//! the build fails when a record gains padding or a field is left out.
//!
//! [`Plain`]: super::ipc::Plain

use crate::fsmon::registry::Slot as FsmonSlot;
use crate::pcheck::state::{EntryRecord, Head as PcheckHead};
use crate::pmf::registry::Slot as PmfSlot;
use crate::shm::table::{NoHead, TableHeader};
use crate::shm::{Mailbox, Owner};

crate::plain! {
    TableHeader { magic, version, header_size, record_size, capacity },
    NoHead { reserved },
    Owner { start, pid, uid },
    Mailbox { seq, cmd, sender, ack_seq, ack_status, args },
    PcheckHead {
        owner, mbox, entry_count, ipckey, msg_check_interval_ms, monitor_interval_ms,
        monitor_try_count, monitor_stop_count, fail_proc_count, all_proc_count, ack_text_len,
        pfile_len, dump_len, reserved, ack_text, pfile, dump,
    },
    EntryRecord {
        rerun_time, last_change, pent_id, pname_len, pname, npids, pids, retry_count,
        restart_count, restarts_total, proc_sts, action, monitor_sts, reserved,
    },
    FsmonSlot {
        owner, mbox, last_change, applet, paused, stop, id_len, checks, failures, retries,
        target_len, id, target,
    },
    PmfSlot {
        sup, mbox, started, last_restart, state, retries, period_min, level, retries_used,
        restarts, npids, pids, tag_len, command_len, action_len, whole_env, tag, command, action,
        reserved,
    },
}
