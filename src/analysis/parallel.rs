//! Spreading per-key work over threads. Each worker takes the next block of whole keys from
//! the shared reader (read straight into the worker's own buffer), folds its keys into its
//! own accumulator in batches, and the accumulators are merged at the end. Merging is a sum,
//! so results do not depend on the thread count or on block boundaries.
//!
//! Output that must keep the input's order (`map`, `--moves`) is buffered per block and
//! flushed in block order: a worker that finishes a block early waits for its turn, so at
//! most one block's output per worker is held.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

use crate::error::{Error, Result};
use crate::keys::{Blocks, KeyFormat, KeySource, split_batches};

/// Generated keys between two flushes, on the path without blocks.
const GENERATED_PER_FLUSH: u64 = 4096;

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
    run(
        source,
        format,
        threads,
        &start,
        &each,
        None::<fn(&mut T) -> Result<()>>,
        merge,
    )
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
    run(source, format, threads, &start, &each, Some(flush), merge)
}

fn run<T: Send, F: FnMut(&mut T) -> Result<()> + Send>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: &(impl Fn() -> T + Sync),
    each: &(impl Fn(&mut T, &[&[u8]]) -> Result<()> + Sync),
    flush: Option<F>,
    merge: impl Fn(&mut T, T),
) -> Result<T> {
    let Some(blocks) = source.blocks(format) else {
        return fold_generated(source, format, start, each, flush);
    };
    let shared = Shared {
        blocks: Mutex::new(blocks),
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
            let workers: Vec<_> = (0..threads)
                .map(|_| scope.spawn(|| shared.work(format, start, each)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a worker does not panic"))
                .collect()
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
        each: &impl Fn(&mut T, &[&[u8]]) -> Result<()>,
    ) -> std::result::Result<T, (u64, Error)>
    where
        F: FnMut(&mut T) -> Result<()>,
    {
        let mut acc = start();
        let mut buffer = self.lock_blocks().buffer();
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(acc);
            }
            let (sequence, block) = {
                let mut blocks = self.lock_blocks();
                let sequence = blocks.sequence();
                (sequence, blocks.next_block(&mut buffer))
            };
            let block = match block {
                Ok(Some(block)) => block,
                Ok(None) => return Ok(acc),
                Err(e) => return Err(self.fail(sequence, e)),
            };
            let input: &Path = &block.input;
            if let Err(e) = split_batches(&buffer[..block.len], format, input, &mut |batch| {
                each(&mut acc, batch)
            }) {
                return Err(self.fail(sequence, e));
            }
            self.flush_in_turn(sequence, &mut acc)?;
        }
    }

    /// Waits for block `sequence`'s turn and flushes its output (when output is ordered).
    fn flush_in_turn<T>(&self, sequence: u64, acc: &mut T) -> std::result::Result<(), (u64, Error)>
    where
        F: FnMut(&mut T) -> Result<()>,
    {
        let mut turn = self.turn.lock().expect("no worker panics holding the turn");
        if turn.flush.is_none() {
            return Ok(());
        }
        while turn.next != sequence {
            if turn.failed_at.is_some_and(|failed| failed < sequence) {
                return Ok(());
            }
            turn = self
                .turned
                .wait(turn)
                .expect("no worker panics holding the turn");
        }
        let flushed = turn.flush.as_mut().map_or(Ok(()), |flush| flush(acc));
        turn.next += 1;
        if flushed.is_err() {
            turn.fail(sequence);
            self.stop.store(true, Ordering::Relaxed);
        }
        self.turned.notify_all();
        flushed.map_err(|e| (sequence, e))
    }

    fn fail(&self, sequence: u64, error: Error) -> (u64, Error) {
        self.stop.store(true, Ordering::Relaxed);
        let mut turn = self.turn.lock().expect("no worker panics holding the turn");
        turn.fail(sequence);
        self.turned.notify_all();
        (sequence, error)
    }

    fn lock_blocks(&self) -> std::sync::MutexGuard<'_, Blocks<'a>> {
        self.blocks
            .lock()
            .expect("no worker panics holding the reader")
    }
}

/// Synthetic keys are made one at a time on this thread.
fn fold_generated<T>(
    source: &KeySource,
    format: KeyFormat,
    start: &impl Fn() -> T,
    each: &impl Fn(&mut T, &[&[u8]]) -> Result<()>,
    mut flush: Option<impl FnMut(&mut T) -> Result<()>>,
) -> Result<T> {
    let mut acc = start();
    let mut since_flush = 0;
    source.for_each_batch(format, |batch| {
        each(&mut acc, batch)?;
        since_flush += 1;
        match flush.as_mut() {
            Some(flush) if since_flush == GENERATED_PER_FLUSH => {
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
