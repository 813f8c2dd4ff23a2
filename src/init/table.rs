//! The entry table: each inittab line with what runs for it now (its
//! pid) and its respawn throttle. A re-read (SIGHUP) keeps the state of
//! every line that is still there, so a running respawn entry is neither
//! restarted nor forgotten.

use std::time::Instant;

use super::inittab::{Action, Line};
use super::launch::{self, Program};
use super::throttle::Throttle;

/// One inittab line at run time.
#[derive(Debug)]
pub struct Entry {
    pub line: Line,
    pub program: Program,
    /// The running child, if any.
    pub pid: Option<i32>,
    pub throttle: Throttle,
    /// A `once` entry that has been started (it never starts again).
    pub started: bool,
}

impl Entry {
    fn new(line: Line) -> Entry {
        Entry {
            program: launch::plan(&line.process),
            line,
            pid: None,
            throttle: Throttle::default(),
            started: false,
        }
    }

    fn same_line(&self, other: &Line) -> bool {
        self.line.tty == other.tty
            && self.line.action == other.action
            && self.line.process == other.process
    }
}

/// Every entry, in file order.
#[derive(Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    pub fn new(lines: Vec<Line>) -> Table {
        Table {
            entries: lines.into_iter().map(Entry::new).collect(),
        }
    }

    /// The indexes of the entries with `action`, in file order.
    pub fn indexes(&self, action: Action) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| self.entries[i].line.action == action)
            .collect()
    }

    /// The entry whose child is `pid`.
    pub fn by_pid(&mut self, pid: i32) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.pid == Some(pid))
    }

    /// Replaces the lines by `lines` (a re-read file): a line still there
    /// keeps its child, throttle and `started` mark. Returns the pids of
    /// respawn entries that are gone, to be stopped.
    pub fn replace(&mut self, lines: Vec<Line>) -> Vec<i32> {
        let mut old: Vec<Option<Entry>> = self.entries.drain(..).map(Some).collect();
        for line in lines {
            let kept = old
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|e| e.same_line(&line)))
                .and_then(Option::take);
            let entry = match kept {
                Some(mut e) => {
                    e.line.number = line.number;
                    e
                }
                None => Entry::new(line),
            };
            self.entries.push(entry);
        }
        old.into_iter()
            .flatten()
            .filter(|e| e.line.action.respawns())
            .filter_map(|e| e.pid)
            .collect()
    }

    /// The earliest time a paused respawn entry may start again.
    pub fn next_wake(&self) -> Option<Instant> {
        self.entries
            .iter()
            .filter(|e| e.line.action.respawns() && e.pid.is_none())
            .filter_map(|e| e.throttle.paused_until())
            .min()
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::init::inittab;

    #[test]
    fn reread_keeps_running_entries_and_stops_removed_ones() {
        let (lines, _) = inittab::parse("::respawn:/bin/a\n::respawn:/bin/b\n::once:/bin/c\n");
        let mut t = Table::new(lines);
        t.entries[0].pid = Some(10);
        t.entries[1].pid = Some(11);
        t.entries[2].started = true;
        let (lines, _) = inittab::parse("::once:/bin/c\n::respawn:/bin/a\n::respawn:/bin/d\n");
        assert_eq!(t.replace(lines), vec![11]);
        assert!(t.entries[0].started);
        assert_eq!(t.entries[1].pid, Some(10));
        assert_eq!(t.entries[1].line.number, 2);
        assert_eq!(t.entries[2].pid, None);
        assert_eq!(t.indexes(Action::Respawn), vec![1, 2]);
    }
}
