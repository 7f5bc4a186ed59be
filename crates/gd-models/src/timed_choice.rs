//! Choosing, call by call, the faster of two ways of computing the same bits: by timing windows
//! of calls on each and keeping the faster, re-checking now and then.
//!
//! [`crate::TwoThreadDeepLinear`] uses it to choose between its thread pair and the caller
//! alone: the pair wins on a quiet machine, but when other load takes the helper's core, a pair
//! that hands off by spin-waits runs at the pace of its slower thread and loses to one thread.
//! Both give the same bits, so the choice changes only the time.

/// Calls in a window on the pair (its first calls after a solo stretch are slow: the helper
/// wakes and its caches are cold, so a shorter window misjudges the pair).
const PAIR_WINDOW: u32 = 16;
/// Calls in a window on the caller alone, to re-measure it while the pair is winning.
const SOLO_WINDOW: u32 = 8;
/// Pair windows between two solo re-measurements while the pair is winning.
const PAIR_WINDOWS_PER_SOLO: u32 = 64;
/// The solo stretch after the pair lost, four times longer on each further loss up to
/// [`MAX_BACKOFF`].
const MIN_BACKOFF: u32 = 16;
/// The longest solo stretch before the pair is tried again.
const MAX_BACKOFF: u32 = 4096;
/// The most a call counts for, in units of the faster way's last mean seconds per call.
const STALL_CAP: f64 = 4.0;

/// The state of the choice: the current window and the last mean seconds per call of each way.
#[derive(Debug)]
pub(crate) struct TimedChoice {
    paired: bool,
    left: u32,
    first: bool,
    sum: f64,
    timed: u32,
    solo: f64,
    pair: f64,
    backoff: u32,
    pair_windows: u32,
}

impl TimedChoice {
    /// Starts with a short solo window (the first measure of one thread), then tries the pair.
    pub(crate) fn new() -> Self {
        Self {
            paired: false,
            left: SOLO_WINDOW,
            first: true,
            sum: 0.0,
            timed: 0,
            solo: f64::INFINITY,
            pair: f64::INFINITY,
            backoff: MIN_BACKOFF,
            pair_windows: 0,
        }
    }

    /// Whether the next call should run on the pair.
    pub(crate) fn paired(&self) -> bool {
        self.paired
    }

    /// Records the seconds the last call took (on the way [`TimedChoice::paired`] named). A
    /// window's first call is not counted: it may include waking the helper or moving the
    /// working set between caches. A call counts as at most [`STALL_CAP`] times the faster
    /// way's last mean: a thread descheduled for a whole time slice costs the pair something,
    /// often, when the OS keeps both threads on one core, but one such call must not decide.
    pub(crate) fn record(&mut self, seconds: f64) {
        if self.first {
            self.first = false;
        } else if seconds.is_finite() {
            self.sum += seconds.min(STALL_CAP * self.solo.min(self.pair));
            self.timed += 1;
        }
        self.left = self.left.saturating_sub(1);
        if self.left == 0 {
            self.end_window();
        }
    }

    fn start(&mut self, paired: bool, calls: u32) {
        self.paired = paired;
        self.left = calls.max(2);
        self.first = true;
        self.sum = 0.0;
        self.timed = 0;
    }

    fn end_window(&mut self) {
        let mean = if self.timed > 0 {
            self.sum / f64::from(self.timed)
        } else {
            f64::INFINITY
        };
        if self.paired {
            self.pair = mean;
            self.pair_windows += 1;
            if self.pair >= self.solo {
                let stretch = self.backoff;
                self.backoff = (self.backoff * 4).min(MAX_BACKOFF);
                self.start(false, stretch);
            } else if self.pair_windows >= PAIR_WINDOWS_PER_SOLO {
                self.backoff = MIN_BACKOFF;
                self.start(false, SOLO_WINDOW);
            } else {
                self.backoff = MIN_BACKOFF;
                self.start(true, PAIR_WINDOW);
            }
        } else {
            self.solo = mean;
            self.pair_windows = 0;
            self.start(true, PAIR_WINDOW);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_BACKOFF, MIN_BACKOFF, PAIR_WINDOW, SOLO_WINDOW, TimedChoice};

    /// Runs `calls` calls that take `solo` or `pair` seconds; returns how many ran on the pair.
    fn paired_calls(choice: &mut TimedChoice, calls: u32, solo: f64, pair: f64) -> u32 {
        let mut paired = 0;
        for _ in 0..calls {
            let on_pair = choice.paired();
            paired += u32::from(on_pair);
            choice.record(if on_pair { pair } else { solo });
        }
        paired
    }

    #[test]
    fn a_faster_pair_gets_almost_every_call() {
        let mut choice = TimedChoice::new();
        let calls = 100_000;
        let paired = paired_calls(&mut choice, calls, 1.0, 0.6);
        // One solo window of SOLO_WINDOW calls per PAIR_WINDOWS_PER_SOLO pair windows (1024 calls).
        assert!(paired >= calls - calls / 100, "{paired}");
    }

    #[test]
    fn a_slower_pair_gets_few_calls_and_is_tried_less_and_less_often() {
        let mut choice = TimedChoice::new();
        let calls = 100_000;
        let paired = paired_calls(&mut choice, calls, 1.0, 1.3);
        // Pair windows of 16 calls between solo stretches of 16, 64, 256, 1024, 4096 calls:
        // five until the stretch is the longest, then one per 4096 + 16 calls.
        let windows = 6 + calls / (MAX_BACKOFF + PAIR_WINDOW);
        assert!(paired <= PAIR_WINDOW * windows, "{paired}");
        assert_eq!(choice.backoff, MAX_BACKOFF);
    }

    #[test]
    fn the_choice_follows_a_change_of_the_machine() {
        let mut choice = TimedChoice::new();
        paired_calls(&mut choice, 20_000, 1.0, 1.3);
        // The pair becomes faster: within one longest solo stretch it wins again.
        paired_calls(&mut choice, MAX_BACKOFF + 2 * PAIR_WINDOW, 1.0, 0.6);
        assert!(choice.paired());
        assert_eq!(choice.backoff, MIN_BACKOFF);
        let paired = paired_calls(&mut choice, 10_000, 1.0, 0.6);
        assert!(paired >= 9_800, "{paired}");
        // And slower again: one pair window per solo stretch of 16, 64, 256, 1024, 4096 calls.
        let paired = paired_calls(&mut choice, 10_000, 1.0, 1.3);
        assert!(paired <= 8 * PAIR_WINDOW, "{paired}");
    }

    #[test]
    fn a_first_call_or_a_non_finite_time_is_not_counted_and_a_stall_counts_four_means() {
        let mut choice = TimedChoice::new();
        choice.record(1e9);
        for _ in 1..SOLO_WINDOW {
            choice.record(1.0);
        }
        assert_eq!(choice.solo, 1.0);
        // A pair window of 0.5 s calls with one stall of 1000 s: it counts 4 s and the pair wins.
        choice.record(0.5);
        choice.record(1000.0);
        for _ in 2..PAIR_WINDOW {
            choice.record(0.5);
        }
        assert_eq!(choice.pair, (0.5 * 14.0 + 4.0) / 15.0);
        assert!(choice.paired());
        // Stalls in every other call: the pair loses.
        for k in 0..PAIR_WINDOW {
            choice.record(if k % 2 == 0 { 0.5 } else { 1000.0 });
        }
        assert!(!choice.paired());
        let mut choice = TimedChoice::new();
        for _ in 0..SOLO_WINDOW {
            choice.record(1.0);
        }
        assert!(choice.paired());
        choice.record(f64::NAN);
        for _ in 1..PAIR_WINDOW {
            choice.record(f64::INFINITY);
        }
        assert_eq!(choice.pair, f64::INFINITY);
        assert!(!choice.paired());
    }
}
