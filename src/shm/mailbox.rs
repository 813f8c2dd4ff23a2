//! A one-command mailbox inside a table's header or record: a client posts
//! a command and bumps `seq`, wakes the owner (a signal on its signalfd),
//! and waits on a futex on `ack_seq` until the owner has answered; the
//! owner acts, sets `ack_seq = seq` with a status and wakes the futex. So
//! `padmin -c reload`, `clp_*mon -pause` and `pmfadm -k` return as soon as
//! the owner has done it, with no polling, and a dead owner is noticed.

use std::mem::offset_of;
use std::time::{Duration, Instant};

use super::owner::Owner;

/// The mailbox. 32 bytes, no padding.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mailbox {
    /// Bumped by the client for each command.
    pub seq: u32,
    pub cmd: u32,
    /// Pid of the client (for the owner's log).
    pub sender: i32,
    /// The `seq` the owner answered last: the futex word.
    pub ack_seq: u32,
    pub ack_status: i32,
    /// Command arguments (signal, counts…), meaning per command.
    pub args: [i32; 3],
}

/// A command waiting for the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub seq: u32,
    pub cmd: u32,
    pub sender: i32,
    pub args: [i32; 3],
}

/// How a wait for an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The owner answered (read the status under the lock).
    Answered,
    /// The owner ended without answering.
    OwnerGone,
    /// No answer before the deadline.
    TimedOut,
}

/// Byte offset of the futex word inside a [`Mailbox`].
pub const ACK_WORD: usize = offset_of!(Mailbox, ack_seq);

/// How long one futex wait lasts before the owner's liveness is looked at
/// again: the answer itself wakes the waiter at once.
const LIVENESS_TICK: Duration = Duration::from_millis(50);

impl Mailbox {
    /// Posts `cmd` (the caller holds the table's lock and writes the
    /// mailbox back); returns the sequence number to wait for.
    pub fn post(&mut self, cmd: u32, args: [i32; 3], sender: i32) -> u32 {
        self.cmd = cmd;
        self.args = args;
        self.sender = sender;
        self.seq = self.seq.wrapping_add(1);
        // Never equal to ack_seq: 0 is skipped only when it would be.
        if self.seq == self.ack_seq {
            self.seq = self.seq.wrapping_add(1);
        }
        self.seq
    }

    /// The command not answered yet, if any.
    pub fn pending(&self) -> Option<Pending> {
        (self.seq != self.ack_seq).then_some(Pending {
            seq: self.seq,
            cmd: self.cmd,
            sender: self.sender,
            args: self.args,
        })
    }

    /// Answers command `seq` (the owner then wakes the futex word).
    pub fn answer(&mut self, seq: u32, status: i32) {
        self.ack_status = status;
        self.ack_seq = seq;
    }

    /// The status of command `seq`, once answered.
    pub fn answered(&self, seq: u32) -> Option<i32> {
        (self.ack_seq == seq).then_some(self.ack_status)
    }
}

/// Waits until the word `ack` holds `seq`, the `owner` is gone, or
/// `deadline` passes. `ack` is the mailbox's [`ACK_WORD`] in the mapped
/// segment; the status is read by the caller under the lock afterwards.
pub fn wait(
    ack: &std::sync::atomic::AtomicU32,
    seq: u32,
    owner: &Owner,
    deadline: Instant,
) -> Answer {
    use std::sync::atomic::Ordering;
    loop {
        let seen = ack.load(Ordering::Acquire);
        if seen == seq {
            return Answer::Answered;
        }
        if !owner.alive() {
            // It may have answered just before it ended.
            return if ack.load(Ordering::Acquire) == seq {
                Answer::Answered
            } else {
                Answer::OwnerGone
            };
        }
        let now = Instant::now();
        if now >= deadline {
            return Answer::TimedOut;
        }
        crate::sys::futex::wait(ack, seen, (deadline - now).min(LIVENESS_TICK));
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn post_answer_pending() {
        let mut m = Mailbox::default();
        assert_eq!(m.pending(), None);
        let seq = m.post(7, [1, 2, 3], 42);
        let p = m.pending().unwrap();
        assert_eq!((p.seq, p.cmd, p.sender, p.args), (seq, 7, 42, [1, 2, 3]));
        assert_eq!(m.answered(seq), None);
        m.answer(seq, 5);
        assert_eq!(m.answered(seq), Some(5));
        assert_eq!(m.pending(), None);
        // Wrapping never makes a new command look answered.
        m.seq = u32::MAX;
        m.ack_seq = 0;
        let seq = m.post(1, [0; 3], 1);
        assert_ne!(seq, m.ack_seq);
        assert!(m.pending().is_some());
    }
}
