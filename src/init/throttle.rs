//! The respawn throttle, as sysvinit's: more than [`MAX_STARTS`] starts of
//! one entry within the window (2 minutes) and the entry is paused (5
//! minutes) instead of being started again — a crash loop costs a log
//! line, never a tight loop. `MAMORI_INIT_RESPAWN_WINDOW` and
//! `MAMORI_INIT_RESPAWN_PAUSE` (seconds) override both, for tests.

use std::time::{Duration, Instant};

/// Starts allowed within one window.
pub const MAX_STARTS: u32 = 10;

/// The window and the pause.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub window: Duration,
    pub pause: Duration,
}

impl Limits {
    /// sysvinit's numbers, or the `MAMORI_INIT_RESPAWN_*` overrides.
    pub fn from_env() -> Limits {
        Limits {
            window: super::config::seconds("MAMORI_INIT_RESPAWN_WINDOW", 120.0),
            pause: super::config::seconds("MAMORI_INIT_RESPAWN_PAUSE", 300.0),
        }
    }
}

/// What the throttle says about a start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Start,
    /// Too many starts: paused until then (newly paused when `fresh`).
    Paused {
        until: Instant,
        fresh: bool,
    },
}

/// One entry's start history.
#[derive(Debug, Clone, Copy, Default)]
pub struct Throttle {
    window_start: Option<Instant>,
    starts: u32,
    paused_until: Option<Instant>,
}

impl Throttle {
    /// May the entry start at `now`? Counts the start when it may.
    pub fn check(&mut self, now: Instant, limits: Limits) -> Verdict {
        if let Some(until) = self.paused_until {
            if now < until {
                return Verdict::Paused {
                    until,
                    fresh: false,
                };
            }
            self.paused_until = None;
            self.window_start = None;
        }
        match self.window_start {
            Some(start) if now.duration_since(start) < limits.window => {}
            _ => {
                self.window_start = Some(now);
                self.starts = 0;
            }
        }
        if self.starts >= MAX_STARTS {
            let until = now + limits.pause;
            self.paused_until = Some(until);
            return Verdict::Paused { until, fresh: true };
        }
        self.starts += 1;
        Verdict::Start
    }

    /// When a paused entry may start again.
    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn eleventh_start_in_the_window_pauses_then_resumes() {
        let limits = Limits {
            window: Duration::from_secs(120),
            pause: Duration::from_secs(300),
        };
        let t0 = Instant::now();
        let mut t = Throttle::default();
        for i in 0..10 {
            assert_eq!(t.check(t0 + Duration::from_secs(i), limits), Verdict::Start);
        }
        let at = t0 + Duration::from_secs(11);
        assert_eq!(
            t.check(at, limits),
            Verdict::Paused {
                until: at + limits.pause,
                fresh: true
            }
        );
        assert!(matches!(
            t.check(at + Duration::from_secs(299), limits),
            Verdict::Paused { fresh: false, .. }
        ));
        assert_eq!(t.check(at + limits.pause, limits), Verdict::Start);
    }

    #[test]
    fn slow_restarts_never_pause() {
        let limits = Limits {
            window: Duration::from_secs(120),
            pause: Duration::from_secs(300),
        };
        let t0 = Instant::now();
        let mut t = Throttle::default();
        for i in 0..100 {
            assert_eq!(
                t.check(t0 + Duration::from_secs(13 * i), limits),
                Verdict::Start
            );
        }
    }
}
