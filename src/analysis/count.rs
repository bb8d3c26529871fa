//! The hot loop: read a key, locate it, count it in a plain array indexed by node id. With
//! more than one thread, the reader hands blocks of whole keys to workers that count on their
//! own and add up at the end, so the result is the same for any thread count.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::keys::{KeyFormat, KeySource, split_block};
use crate::ring::Placement;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    pub per_node: Vec<u64>,
    /// Keys no node serves (unassigned Redis Cluster slots).
    pub unassigned: u64,
}

impl Counts {
    fn new(nodes: usize) -> Counts {
        Counts {
            per_node: vec![0; nodes],
            unassigned: 0,
        }
    }

    pub fn total(&self) -> u64 {
        self.per_node.iter().sum::<u64>() + self.unassigned
    }

    #[inline]
    fn add(&mut self, placement: &dyn Placement, key: &[u8]) {
        match placement.locate(key) {
            Some(node) => self.per_node[node as usize] += 1,
            None => self.unassigned += 1,
        }
    }

    fn merge(&mut self, other: &Counts) {
        for (mine, theirs) in self.per_node.iter_mut().zip(&other.per_node) {
            *mine += theirs;
        }
        self.unassigned += other.unassigned;
    }
}

/// Counts the keys of `source` per node, on `threads` threads (1: on this one).
pub fn count_keys(
    placement: &dyn Placement,
    nodes: usize,
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
) -> Result<Counts> {
    if threads <= 1 || !source.is_streamed() {
        let mut counts = Counts::new(nodes);
        source.for_each(format, |key| {
            counts.add(placement, key);
            Ok(())
        })?;
        return Ok(counts);
    }
    // Blocks in flight are bounded, so memory stays flat however large the input.
    let (blocks, queue) = sync_channel::<(Vec<u8>, Arc<PathBuf>)>(threads * 2);
    let queue = Arc::new(Mutex::new(queue));
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let queue = Arc::clone(&queue);
                scope.spawn(move || count_blocks(placement, nodes, format, &queue))
            })
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
        let mut total = Counts::new(nodes);
        for worker in workers {
            let counts = worker.join().expect("a counting worker does not panic")?;
            total.merge(&counts);
        }
        read.map(|()| total)
    })
}

fn count_blocks(
    placement: &dyn Placement,
    nodes: usize,
    format: KeyFormat,
    queue: &Mutex<Receiver<(Vec<u8>, Arc<PathBuf>)>>,
) -> Result<Counts> {
    let mut counts = Counts::new(nodes);
    loop {
        let next = queue
            .lock()
            .expect("no worker panics holding the queue")
            .recv();
        let Ok((block, name)) = next else {
            return Ok(counts);
        };
        split_block(&block, format, &name, &mut |key: &[u8]| {
            counts.add(placement, key);
            Ok(())
        })?;
    }
}
