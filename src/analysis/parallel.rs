//! Spreading per-key work over threads. Each worker takes the next block of whole keys from
//! the shared reader (read straight into the worker's own buffer), folds its keys into its
//! own accumulator in batches, and the accumulators are merged at the end. Merging is a sum,
//! so results do not depend on the thread count or on block boundaries.
//!
//! With `--key-weight` each batch carries the keys' weights beside them ([`Batch`]).
//!
//! Output that must keep the input's order (`map`, `--moves`) is buffered per block and
//! flushed in block order: a worker that finishes a block early waits for its turn, so at
//! most one block's output per worker is held.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::progress::{Progress, Unit};
use crate::error::{Error, Result};
use crate::keys::{
    Blocks, Input, KeyFormat, KeySource, RandomKeys, generate_batches, split_batches,
    split_weighted_batches,
};

/// Batches of generated keys between two flushes (generated keys come without blocks).
const GENERATED_BATCHES_PER_FLUSH: u64 = 64;

/// Keys handed to a fold together, with each key's weight when the records carry one
/// (`KeyFormat::weighted`); `weights` is empty otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'b> {
    pub keys: &'b [&'b [u8]],
    pub weights: &'b [u64],
}

/// Folds every key of `source`, in batches, into accumulators made by `start`, on `threads`
/// threads (synthetic keys: on this one), merging them with `merge`.
pub fn fold_keys<T: Send>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: impl Fn() -> T + Sync,
    each: impl Fn(&mut T, &[&[u8]]) -> Result<()> + Sync,
    merge: impl Fn(&mut T, T),
) -> Result<T> {
    let each = |acc: &mut T, batch: Batch| each(acc, batch.keys);
    let no_flush = None::<fn(&mut T) -> Result<()>>;
    run(source, format, threads, &start, &each, no_flush, merge)
}

/// [`fold_keys`], and after each block `flush` is called on the accumulator that folded it,
/// in input order: the accumulator buffers the block's output and `flush` writes it out.
pub fn fold_keys_in_order<T: Send>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: impl Fn() -> T + Sync,
    each: impl Fn(&mut T, &[&[u8]]) -> Result<()> + Sync,
    flush: impl FnMut(&mut T) -> Result<()> + Send,
    merge: impl Fn(&mut T, T),
) -> Result<T> {
    let each = |acc: &mut T, batch: Batch| each(acc, batch.keys);
    run(source, format, threads, &start, &each, Some(flush), merge)
}

/// [`fold_keys`] with the keys' weights, for folds that use them; `flush`, when given, as
/// in [`fold_keys_in_order`].
pub fn fold_records<T: Send>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: impl Fn() -> T + Sync,
    each: impl Fn(&mut T, Batch) -> Result<()> + Sync,
    flush: Option<impl FnMut(&mut T) -> Result<()> + Send>,
    merge: impl Fn(&mut T, T),
) -> Result<T> {
    run(source, format, threads, &start, &each, flush, merge)
}

fn run<T: Send, F: FnMut(&mut T) -> Result<()> + Send>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: &(impl Fn() -> T + Sync),
    each: &(impl Fn(&mut T, Batch) -> Result<()> + Sync),
    flush: Option<F>,
    merge: impl Fn(&mut T, T),
) -> Result<T> {
    let (blocks, progress) = match source {
        KeySource::Inputs(inputs) => (
            Blocks::new(inputs, format),
            Progress::start(total_bytes(inputs), Unit::Bytes),
        ),
        // A fold that wants weights would silently get none.
        KeySource::Random(_) if format.weighted => {
            return Err(Error::usage(
                "--key-weight reads a weight from each key record; --random makes keys without weights",
            ));
        }
        KeySource::Random(random) => return fold_generated(random, start, each, flush),
    };
    let shared = Shared {
        blocks: Mutex::new(blocks),
        progress,
        stop: AtomicBool::new(false),
        turn: Mutex::new(Turn {
            next: 0,
            failed_at: None,
            flush,
        }),
        turned: Condvar::new(),
    };
    let results: Vec<std::result::Result<T, (u64, Error)>> = if threads <= 1 {
        vec![shared.work(format, start, each)]
    } else {
        std::thread::scope(|scope| {
            // A thread the system refuses (out of threads or memory) is one worker fewer:
            // results do not depend on how many there are, and this thread works too.
            let workers: Vec<_> = (1..threads)
                .map_while(|_| {
                    std::thread::Builder::new()
                        .spawn_scoped(scope, || shared.work(format, start, each))
                        .ok()
                })
                .collect();
            let mut results = vec![shared.work(format, start, each)];
            results.extend(
                workers
                    .into_iter()
                    .map(|w| w.join().expect("a worker does not panic")),
            );
            results
        })
    };
    let mut total = start();
    let mut first_error: Option<(u64, Error)> = None;
    for result in results {
        match result {
            Ok(acc) => merge(&mut total, acc),
            // Several workers can fail; report what the input met first.
            Err((at, e)) if first_error.as_ref().is_none_or(|(first, _)| at < *first) => {
                first_error = Some((at, e));
            }
            Err(_) => {}
        }
    }
    match first_error {
        Some((_, e)) => Err(e),
        None => Ok(total),
    }
}

struct Shared<'a, F> {
    blocks: Mutex<Blocks<'a>>,
    progress: Progress,
    /// Set on the first error: no more blocks are handed out.
    stop: AtomicBool,
    turn: Mutex<Turn<F>>,
    turned: Condvar,
}

/// Whose block's output goes next.
struct Turn<F> {
    next: u64,
    /// The earliest block that failed: blocks before it are still written, later ones not.
    failed_at: Option<u64>,
    flush: Option<F>,
}

impl<F> Turn<F> {
    fn fail(&mut self, at: u64) {
        self.failed_at = Some(self.failed_at.map_or(at, |f| f.min(at)));
    }
}

impl<'a, F> Shared<'a, F> {
    fn work<T>(
        &self,
        format: KeyFormat,
        start: &impl Fn() -> T,
        each: &impl Fn(&mut T, Batch) -> Result<()>,
    ) -> std::result::Result<T, (u64, Error)>
    where
        F: FnMut(&mut T) -> Result<()>,
    {
        // A worker that panics must not leave the others waiting for its turn forever.
        let _unwinding = FailOnPanic(self);
        let mut acc = start();
        let mut buffer = self.lock_blocks().buffer();
        loop {
            let (sequence, block) = {
                let mut blocks = self.lock_blocks();
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(acc);
                }
                let sequence = blocks.sequence();
                (sequence, blocks.next_block(&mut buffer))
            };
            let block = match block {
                Ok(Some(block)) => {
                    self.progress.add(block.len as u64);
                    block
                }
                Ok(None) => return Ok(acc),
                Err(e) => return Err(self.fail(sequence, e)),
            };
            let records = &buffer[..block.len];
            let split = if format.weighted {
                split_weighted_batches(records, format, &block, &mut |keys, weights| {
                    each(&mut acc, Batch { keys, weights })
                })
            } else {
                let input: &Path = &block.input;
                split_batches(records, format, input, &mut |keys| {
                    each(&mut acc, Batch { keys, weights: &[] })
                })
            };
            // The keys before a bad one are written, as they would be by one thread.
            self.flush_in_turn(sequence, &mut acc, split.is_err())?;
            if let Err(e) = split {
                return Err(self.fail(sequence, e));
            }
        }
    }

    /// Waits for block `sequence`'s turn and flushes its output (when output is ordered);
    /// nothing is written once an earlier block has failed. A block that `failed` is marked
    /// so under the same lock, before any later block can take its turn.
    fn flush_in_turn<T>(
        &self,
        sequence: u64,
        acc: &mut T,
        failed: bool,
    ) -> std::result::Result<(), (u64, Error)>
    where
        F: FnMut(&mut T) -> Result<()>,
    {
        let mut turn = self.lock_turn();
        if turn.flush.is_none() {
            return Ok(());
        }
        let failed_before = |turn: &Turn<F>| turn.failed_at.is_some_and(|f| f < sequence);
        while turn.next != sequence && !failed_before(&turn) {
            turn = self
                .turned
                .wait(turn)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if failed_before(&turn) {
            return Ok(());
        }
        let flushed = turn.flush.as_mut().map_or(Ok(()), |flush| flush(acc));
        turn.next += 1;
        if failed || flushed.is_err() {
            turn.fail(sequence);
            self.stop.store(true, Ordering::Relaxed);
        }
        self.turned.notify_all();
        flushed.map_err(|e| (sequence, e))
    }

    fn fail(&self, sequence: u64, error: Error) -> (u64, Error) {
        self.stop.store(true, Ordering::Relaxed);
        self.lock_turn().fail(sequence);
        self.turned.notify_all();
        (sequence, error)
    }

    fn lock_blocks(&self) -> MutexGuard<'_, Blocks<'a>> {
        self.blocks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_turn(&self) -> MutexGuard<'_, Turn<F>> {
        self.turn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Stops every worker when the one holding it unwinds from a panic (the panic itself then
/// surfaces when the worker is joined).
struct FailOnPanic<'s, 'a, F>(&'s Shared<'a, F>);

impl<F> Drop for FailOnPanic<'_, '_, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop.store(true, Ordering::Relaxed);
            self.0.lock_turn().fail(0);
            self.0.turned.notify_all();
        }
    }
}

/// The size of the inputs, when every one is a file.
fn total_bytes(inputs: &[Input]) -> Option<u64> {
    inputs
        .iter()
        .map(|input| match input {
            Input::File(file) => file.size(),
            Input::Stdin => None,
        })
        .sum()
}

/// Synthetic keys are made on this thread, a batch at a time.
fn fold_generated<T>(
    random: &RandomKeys,
    start: &impl Fn() -> T,
    each: &impl Fn(&mut T, Batch) -> Result<()>,
    mut flush: Option<impl FnMut(&mut T) -> Result<()>>,
) -> Result<T> {
    let mut acc = start();
    let mut since_flush = 0;
    let progress = Progress::start(Some(random.count), Unit::Keys);
    generate_batches(random, &mut |keys| {
        progress.add(keys.len() as u64);
        each(&mut acc, Batch { keys, weights: &[] })?;
        since_flush += 1;
        match flush.as_mut() {
            Some(flush) if since_flush == GENERATED_BATCHES_PER_FLUSH => {
                since_flush = 0;
                flush(&mut acc)
            }
            _ => Ok(()),
        }
    })?;
    match flush.as_mut() {
        Some(flush) => flush(&mut acc).map(|()| acc),
        None => Ok(acc),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::keys::Input;

    fn key_file(keys: &[String]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, keys.join("\n").as_bytes()).unwrap();
        file
    }

    /// Writes every key in order and fails on the key "bad".
    fn write_until_bad(
        source: &KeySource,
        format: KeyFormat,
        threads: usize,
    ) -> (Result<()>, Vec<String>) {
        let mut written = Vec::new();
        let result = fold_keys_in_order(
            source,
            format,
            threads,
            Vec::<String>::new,
            |out, keys| {
                for key in keys {
                    if *key == b"bad" {
                        return Err(Error::usage("bad key"));
                    }
                    out.push(String::from_utf8(key.to_vec()).unwrap());
                }
                Ok(())
            },
            |out| {
                written.append(out);
                Ok(())
            },
            |_, _| {},
        );
        (result.map(|_| ()), written)
    }

    #[test]
    fn the_keys_before_a_failure_are_written_and_nothing_after() {
        let mut keys: Vec<String> = (0..3000).map(|i| format!("key:{i}")).collect();
        keys[2000] = "bad".into();
        let file = key_file(&keys);
        let source = KeySource::Inputs(vec![Input::open(file.path()).unwrap()]);
        for block_size in [1, 7, 100, 4096, 1 << 20] {
            let format = KeyFormat {
                block_size,
                ..KeyFormat::default()
            };
            for threads in [1, 2, 3, 5] {
                let (result, written) = write_until_bad(&source, format, threads);
                assert!(result.is_err(), "{block_size} {threads}");
                assert_eq!(
                    written,
                    keys[..2000],
                    "block {block_size}, {threads} threads"
                );
            }
        }
    }

    #[test]
    fn a_worker_that_panics_does_not_leave_the_others_waiting() {
        let keys: Vec<String> = (0..50_000).map(|i| format!("key:{i}")).collect();
        let file = key_file(&keys);
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let source = KeySource::Inputs(vec![Input::open(file.path()).unwrap()]);
            let format = KeyFormat {
                block_size: 64,
                ..KeyFormat::default()
            };
            let outcome = std::panic::catch_unwind(|| {
                fold_keys_in_order(
                    &source,
                    format,
                    4,
                    || (),
                    |_, keys| {
                        assert!(!keys.contains(&&b"key:30000"[..]), "a bug");
                        Ok(())
                    },
                    |_| Ok(()),
                    |_, _| {},
                )
            });
            done.send(outcome.is_err()).unwrap();
        });
        let panicked = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("the run ends");
        assert!(panicked);
    }
}
