//! A progress bar on stderr for runs over large inputs: shown only when stderr is a terminal
//! and only once a run has taken a second, so pipes, scripts and quick runs never see it.
//! Workers add what they have read to a counter; a thread of its own draws the bar.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanCount, HumanDuration, ProgressBar, ProgressStyle};

const QUIET_FOR: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// What is counted: bytes of the input, or generated keys.
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    Bytes,
    Keys,
}

pub struct Progress {
    done: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts counting toward `total` (when known); draws only on a terminal.
    pub fn start(total: Option<u64>, unit: Unit) -> Progress {
        let done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let drawer = std::io::stderr()
            .is_terminal()
            .then(|| {
                let (done, stop) = (Arc::clone(&done), Arc::clone(&stop));
                // No bar is better than no run: a refused thread draws nothing.
                std::thread::Builder::new()
                    .spawn(move || draw(&done, &stop, total, unit))
                    .ok()
            })
            .flatten();
        Progress { done, stop, drawer }
    }

    /// A worker has got through `amount` more.
    #[inline]
    pub fn add(&self, amount: u64) {
        self.done.fetch_add(amount, Ordering::Relaxed);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(drawer) = self.drawer.take() {
            // Wake it from its wait, so a quick run does not end a tick late.
            drawer.thread().unpark();
            let _ = drawer.join();
        }
    }
}

fn draw(done: &AtomicU64, stop: &AtomicBool, total: Option<u64>, unit: Unit) {
    let started = Instant::now();
    while started.elapsed() < QUIET_FOR {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::park_timeout(TICK);
    }
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::no_length(),
    };
    let template = if total.is_some() {
        "{bar:30} {msg}"
    } else {
        "{spinner} {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    while !stop.load(Ordering::Relaxed) {
        let now = done.load(Ordering::Relaxed);
        bar.set_position(now);
        bar.set_message(message(now, total, unit, started.elapsed()));
        std::thread::park_timeout(TICK);
    }
    bar.finish_and_clear();
}

/// `1.2 GB/2.5 GB · 150 MB/s · 9 s left`, from the average rate since the start (the bar
/// appears a second in, so a rate of its own would start from a jump).
fn message(done: u64, total: Option<u64>, unit: Unit, elapsed: Duration) -> String {
    let amount = |n: u64| match unit {
        Unit::Bytes => HumanBytes(n).to_string(),
        Unit::Keys => format!("{} keys", HumanCount(n)),
    };
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let mut text = amount(done);
    if let Some(total) = total {
        text += &format!(" of {}", amount(total));
    }
    text += &format!(" · {}/s", amount(rate as u64));
    if let Some(total) = total.filter(|_| rate > 0.0) {
        let left = total.saturating_sub(done) as f64 / rate;
        text += &format!(" · {} left", HumanDuration(Duration::from_secs_f64(left)));
    }
    text
}
