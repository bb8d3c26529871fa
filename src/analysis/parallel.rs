//! Spreading per-key work over threads: the reader hands blocks of whole keys to workers,
//! each folds its keys into its own accumulator, and the accumulators are merged at the end.
//! Merging is a sum, so results do not depend on the thread count or on block boundaries.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::keys::{KeyFormat, KeySource, split_block};

type Blocks = Mutex<Receiver<(Vec<u8>, Arc<PathBuf>)>>;

/// Folds every key of `source` into an accumulator made by `start`, on `threads` threads
/// (1, or synthetic keys: on this one), merging the workers' accumulators with `merge`.
pub fn fold_keys<T: Send>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: impl Fn() -> T + Sync,
    each: impl Fn(&mut T, &[u8]) + Sync,
    merge: impl Fn(&mut T, T),
) -> Result<T> {
    if threads <= 1 || !source.is_streamed() {
        let mut acc = start();
        source.for_each(format, |key| {
            each(&mut acc, key);
            Ok(())
        })?;
        return Ok(acc);
    }
    // Blocks in flight are bounded, so memory stays flat however large the input.
    let (blocks, queue) = sync_channel::<(Vec<u8>, Arc<PathBuf>)>(threads * 2);
    let queue: Blocks = Mutex::new(queue);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| fold_blocks(format, &queue, &start, &each)))
            .collect();
        let mut name = Arc::new(PathBuf::new());
        let read = source.for_each_block(format, |block, input| {
            if name.as_path() != input {
                name = Arc::new(input.to_path_buf());
            }
            // A closed queue means a worker stopped on an error, which joining reports.
            let _ = blocks.send((block.to_vec(), Arc::clone(&name)));
            Ok(())
        });
        drop(blocks);
        let mut total = start();
        for worker in workers {
            merge(&mut total, worker.join().expect("a worker does not panic")?);
        }
        read.map(|()| total)
    })
}

fn fold_blocks<T>(
    format: KeyFormat,
    queue: &Blocks,
    start: &impl Fn() -> T,
    each: &impl Fn(&mut T, &[u8]),
) -> Result<T> {
    let mut acc = start();
    loop {
        let next = queue
            .lock()
            .expect("no worker panics holding the queue")
            .recv();
        let Ok((block, name)) = next else {
            return Ok(acc);
        };
        split_block(&block, format, &name, &mut |key: &[u8]| {
            each(&mut acc, key);
            Ok(())
        })?;
    }
}
