//! The peers' guard against other load on the machine (`shared/bench/peers/bench.py`), applied
//! to our own runs: around each run, the machine's busy CPU time from `/proc/stat` less the CPU
//! time of this process and of the children it waited for (`/proc/self/stat`) is CPU time other
//! processes used meanwhile ("foreign"). A run with foreign CPU above 5 % of its wall time is
//! dirty and repeated, up to 2n + 2 runs for n clean ones; before each run the guard waits (up
//! to 600 s) for 2 seconds in which other processes used less than 0.05 of a core. On 2 cores
//! one other busy process halves a 2-thread run's speed or worse, so a dirty run says nothing
//! about our speed.
//!
//! Both files count in USER_HZ ticks (10 ms): a run much shorter than a tick is judged on whole
//! ticks, so one foreign tick during a 40 ms run makes it dirty. Where `/proc` cannot be read
//! (not Linux) no run is dirty and the foreign CPU is reported as unknown.

use std::time::{Duration, Instant};

/// The unit of `/proc/stat` and `/proc/<pid>/stat` (USER_HZ, 100 on every Linux architecture
/// this builds for).
const TICKS_PER_SECOND: f64 = 100.0;
/// Foreign CPU above this fraction of a run's wall time makes the run dirty (bench.py's `--dirty`).
const DIRTY_FRACTION: f64 = 0.05;
/// The quiet wait before a run: a window of this length ...
const QUIET_WINDOW: Duration = Duration::from_secs(2);
/// ... in which other processes used less than this many cores ...
const QUIET_CORES: f64 = 0.05;
/// ... waited for at most this long.
const QUIET_LIMIT: Duration = Duration::from_secs(600);

/// CPU time read at one instant (seconds): the machine's busy time, ours, and the time the
/// hypervisor gave our virtual CPUs' turns to other machines (steal).
#[derive(Clone, Copy)]
struct CpuTimes {
    machine_busy: f64,
    own: f64,
    steal: f64,
}

impl CpuTimes {
    /// Read now from `/proc/stat` and `/proc/self/stat`.
    fn now() -> Option<Self> {
        Self::parse(
            &std::fs::read_to_string("/proc/stat").ok()?,
            &std::fs::read_to_string("/proc/self/stat").ok()?,
        )
    }

    /// `/proc/stat`'s user + nice + system + irq + softirq (bench.py's sum), and a process's
    /// utime + stime + cutime + cstime (fields 14–17 of its `stat`).
    fn parse(machine_stat: &str, own_stat: &str) -> Option<Self> {
        let cpu: Vec<f64> = machine_stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        let machine_busy = [0, 1, 2, 5, 6]
            .iter()
            .map(|&i| cpu.get(i).copied())
            .sum::<Option<f64>>()?;
        let steal = *cpu.get(7)?;
        // The command name (field 2) is in parentheses and may hold spaces and parentheses:
        // fields are counted after its last ')', which is field 3 onwards.
        let after_name = &own_stat[own_stat.rfind(')')? + 1..];
        let own_fields: Vec<f64> = after_name
            .split_whitespace()
            .skip(11)
            .take(4)
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        (own_fields.len() == 4).then(|| Self {
            machine_busy: machine_busy / TICKS_PER_SECOND,
            own: own_fields.iter().sum::<f64>() / TICKS_PER_SECOND,
            steal: steal / TICKS_PER_SECOND,
        })
    }

    /// CPU seconds other processes used since `earlier`, and ours.
    fn since(self, earlier: Self) -> (f64, f64) {
        let own = self.own - earlier.own;
        (
            (self.machine_busy - earlier.machine_busy - own).max(0.0),
            own,
        )
    }
}

/// One guarded run.
pub struct Run {
    /// The seconds the run measured.
    pub seconds: f64,
    /// CPU seconds other processes used during the whole call (None where `/proc` cannot be read).
    pub foreign_cpu: Option<f64>,
    /// CPU seconds stolen from this machine by the hypervisor during the call (reported, as
    /// bench.py does; not judged: no process here can cause or avoid it).
    pub steal: Option<f64>,
    /// Cores other processes used in the last window of the quiet wait before the run.
    pub foreign_cores_before: Option<f64>,
    /// Cores this process used in that window (threads left spinning would show here).
    pub own_cores_before: Option<f64>,
    pub dirty: bool,
}

/// The runs of one measurement, clean and dirty, in order.
pub struct Runs {
    pub runs: Vec<Run>,
}

impl Runs {
    pub fn clean(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(|r| !r.dirty)
    }

    pub fn clean_count(&self) -> usize {
        self.clean().count()
    }

    pub fn dirty_count(&self) -> usize {
        self.runs.len() - self.clean_count()
    }

    /// Median wall time of the clean runs, or of all runs when none is clean (then
    /// `clean_count()` is 0 and the figure is marked so wherever it is printed).
    pub fn median_seconds(&self) -> f64 {
        let clean: Vec<f64> = self.clean().map(|r| r.seconds).collect();
        if clean.is_empty() {
            median(self.runs.iter().map(|r| r.seconds).collect())
        } else {
            median(clean)
        }
    }

    /// The largest number of cores this process used while waiting before a run.
    pub fn own_cores_while_waiting(&self) -> Option<f64> {
        self.runs
            .iter()
            .filter_map(|r| r.own_cores_before)
            .reduce(f64::max)
    }

    /// Every run's seconds, the counts, the foreign CPU and the steal, as JSON fields with this
    /// prefix (to the millisecond or the thousandth of a core, as bench.py prints them: the
    /// ticks are 10 ms).
    pub fn report(&self, prefix: &str, json: &mut serde_json::Value) {
        let rounded = |x: Option<f64>| x.map(|x| (x * 1e3).round() / 1e3);
        let each = |field: fn(&Run) -> Option<f64>| -> serde_json::Value {
            self.runs
                .iter()
                .map(|r| rounded(field(r)))
                .collect::<Vec<_>>()
                .into()
        };
        json[format!("{prefix}run_seconds")] = self
            .runs
            .iter()
            .map(|r| r.seconds)
            .collect::<Vec<_>>()
            .into();
        json[format!("{prefix}clean_runs")] = self.clean_count().into();
        json[format!("{prefix}dirty_runs")] = self.dirty_count().into();
        json[format!("{prefix}foreign_cpu_seconds")] = each(|r| r.foreign_cpu);
        json[format!("{prefix}steal_seconds")] = each(|r| r.steal);
        json[format!("{prefix}foreign_cores_before")] = each(|r| r.foreign_cores_before);
        json[format!("{prefix}own_cores_while_waiting")] =
            rounded(self.own_cores_while_waiting()).into();
    }
}

/// Median of a non-empty list (the upper one of an even count, as the bench always has).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Waits for a quiet window; returns the cores other processes and this one used in the last.
fn wait_quiet() -> (Option<f64>, Option<f64>) {
    let started = Instant::now();
    loop {
        let (Some(before), t) = (CpuTimes::now(), Instant::now()) else {
            return (None, None);
        };
        std::thread::sleep(QUIET_WINDOW);
        let Some(after) = CpuTimes::now() else {
            return (None, None);
        };
        let window = t.elapsed().as_secs_f64();
        let (foreign, own) = after.since(before);
        let (foreign, own) = (foreign / window, own / window);
        if foreign < QUIET_CORES || started.elapsed() > QUIET_LIMIT {
            return (Some(foreign), Some(own));
        }
    }
}

/// Runs `run` until `clean` runs are clean or 2·clean + 2 runs were made, each after a quiet
/// wait and judged by its foreign CPU over the whole call; `run` returns the seconds it
/// measured (the timed part of the call, which may also warm up first).
pub fn repeat<E>(clean: usize, mut run: impl FnMut() -> Result<f64, E>) -> Result<Runs, E> {
    let most = 2 * clean + 2;
    let mut runs: Vec<Run> = Vec::new();
    while runs.iter().filter(|r| !r.dirty).count() < clean && runs.len() < most {
        let (foreign_cores_before, own_cores_before) = wait_quiet();
        let before = CpuTimes::now();
        let started = Instant::now();
        let seconds = run()?;
        let wall = started.elapsed().as_secs_f64();
        let after = CpuTimes::now();
        let foreign_cpu = before.zip(after).map(|(b, a)| a.since(b).0);
        let steal = before.zip(after).map(|(b, a)| a.steal - b.steal);
        runs.push(Run {
            seconds,
            foreign_cpu,
            steal,
            foreign_cores_before,
            own_cores_before,
            dirty: foreign_cpu.is_some_and(|f| f > DIRTY_FRACTION * wall),
        });
    }
    Ok(Runs { runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sums bench.py takes from `/proc/stat` (user, nice, system, irq, softirq; not idle,
    /// iowait, steal) and fields 14–17 of a process's `stat`, counted after a command name that
    /// holds a space and a ')'.
    #[test]
    fn cpu_times_are_read_from_the_right_fields() {
        let machine = "cpu  100 20 30 4000 50 6 7 800 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        let own = "4242 (a b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18";
        let t = CpuTimes::parse(machine, own).expect("well-formed");
        assert_eq!(
            t.machine_busy,
            (100 + 20 + 30 + 6 + 7) as f64 / TICKS_PER_SECOND
        );
        assert_eq!(t.own, (11 + 12 + 13 + 14) as f64 / TICKS_PER_SECOND);
        assert_eq!(t.steal, 800.0 / TICKS_PER_SECOND);
        assert!(CpuTimes::parse("cpu0 1 2 3", own).is_none());
        assert!(CpuTimes::parse(machine, "4242 (short) S 1 2 3").is_none());
    }

    /// Foreign CPU is the machine's busy time less ours, never negative (the two files are
    /// read a moment apart).
    #[test]
    fn foreign_cpu_is_busy_time_less_our_own() {
        let at = |machine_busy, own| CpuTimes {
            machine_busy,
            own,
            steal: 0.0,
        };
        assert_eq!(at(10.5, 3.0).since(at(10.0, 2.75)), (0.25, 0.25));
        assert_eq!(at(10.0, 3.0).since(at(10.0, 2.5)), (0.0, 0.5));
    }

    #[test]
    fn the_median_of_clean_runs_ignores_dirty_ones() {
        let run = |seconds, dirty| Run {
            seconds,
            foreign_cpu: Some(0.0),
            steal: None,
            foreign_cores_before: None,
            own_cores_before: None,
            dirty,
        };
        let runs = Runs {
            runs: vec![
                run(9.0, true),
                run(1.0, false),
                run(2.0, false),
                run(3.0, false),
            ],
        };
        assert_eq!((runs.clean_count(), runs.dirty_count()), (3, 1));
        assert_eq!(runs.median_seconds(), 2.0);
        let all_dirty = Runs {
            runs: vec![run(4.0, true), run(5.0, true)],
        };
        assert_eq!(all_dirty.median_seconds(), 5.0);
    }
}
