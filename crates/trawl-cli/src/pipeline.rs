//! Runs a function over a list of items on a thread pool and hands the
//! results to a consumer in list order, each as soon as it and every
//! result before it are ready.
//!
//! Workers take items in list order but may not run more than a window
//! of items ahead of the consumer, so the results waiting to be consumed
//! stay bounded however slow one item is.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use rayon::ThreadPool;

/// How long the consumer waits for the next result before it is handed
/// [`Event::Idle`], on which the caller flushes what it has written.
const IDLE_AFTER: Duration = Duration::from_millis(100);

/// An event handed to the consumer.
pub enum Event<R> {
    /// The result of the item at this index; results come in item order.
    Done(usize, R),
    /// The next result has been awaited for a while: a moment to flush
    /// what was written so far.
    Idle,
}

/// Lets workers wait until the consumer has caught up with them.
struct Gate {
    /// Results consumed so far, or `usize::MAX` once the run stops.
    consumed: Mutex<usize>,
    advanced: Condvar,
}

impl Gate {
    /// Waits until item `index` lies within `window` items of the
    /// consumer. Returns false when the run stopped instead.
    fn wait_for(&self, index: usize, window: usize) -> bool {
        let mut consumed =
            self.consumed.lock().unwrap_or_else(PoisonError::into_inner);
        while *consumed != usize::MAX
            && index >= consumed.saturating_add(window)
        {
            consumed = self
                .advanced
                .wait(consumed)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *consumed != usize::MAX
    }

    /// Records that `count` results were consumed, or with `usize::MAX`
    /// that the run stopped, and wakes the waiting workers.
    fn set(&self, count: usize) {
        let mut consumed =
            self.consumed.lock().unwrap_or_else(PoisonError::into_inner);
        *consumed = count;
        self.advanced.notify_all();
    }
}

/// Runs `work` on every item on `pool`, at most `window` items ahead of
/// the consumer, and calls `consume` on the calling thread with each
/// result in item order. It also calls `consume` with [`Event::Idle`]
/// whenever the next result has been awaited for a while.
///
/// The first error from `consume` stops the run: workers
/// finish the item in hand and take no more, and the error is returned.
pub fn for_each_ordered<T, R, E>(
    pool: &ThreadPool,
    items: &[T],
    window: usize,
    work: impl Fn(&T) -> R + Sync,
    consume: impl FnMut(Event<R>) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let window = window.max(1);
    let next = AtomicUsize::new(0);
    let gate = Gate { consumed: Mutex::new(0), advanced: Condvar::new() };
    let (sender, receiver) = mpsc::channel::<(usize, R)>();
    let workers = pool.current_num_threads().clamp(1, items.len().max(1));
    pool.in_place_scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, gate, work) = (&next, &gate, &work);
            scope.spawn(move |_| loop {
                // Items are taken in order, so the one the consumer needs
                // next is always held by a worker that the gate lets run.
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else { break };
                if !gate.wait_for(index, window) {
                    break;
                }
                if sender.send((index, work(item))).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let result = consume_in_order(receiver, &gate, consume);
        gate.set(usize::MAX);
        result
    })
}

/// Receives results, puts them back in item order and consumes them.
fn consume_in_order<R, E>(
    receiver: mpsc::Receiver<(usize, R)>,
    gate: &Gate,
    mut consume: impl FnMut(Event<R>) -> Result<(), E>,
) -> Result<(), E> {
    let mut waiting = BTreeMap::new();
    let mut expected = 0usize;
    loop {
        let (index, result) = match receiver.recv_timeout(IDLE_AFTER) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => {
                consume(Event::Idle)?;
                match receiver.recv() {
                    Ok(message) => message,
                    Err(_) => break,
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        waiting.insert(index, result);
        let before = expected;
        while let Some(result) = waiting.remove(&expected) {
            consume(Event::Done(expected, result))?;
            expected += 1;
        }
        if expected != before {
            gate.set(expected);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
    }

    #[test]
    fn results_arrive_in_item_order() {
        let items: Vec<u64> = (0..200).collect();
        for threads in [1, 2, 4] {
            let mut seen = Vec::new();
            let result: Result<(), ()> = for_each_ordered(
                &pool(threads),
                &items,
                3,
                |&n| {
                    // Early items take longest, so later ones finish first.
                    std::thread::sleep(Duration::from_micros(200 - n));
                    n * 2
                },
                |event| {
                    if let Event::Done(index, value) = event {
                        seen.push((index, value));
                    }
                    Ok(())
                },
            );
            assert!(result.is_ok());
            let expected: Vec<(usize, u64)> =
                items.iter().map(|&n| (n as usize, n * 2)).collect();
            assert_eq!(seen, expected, "{threads} threads");
        }
    }

    #[test]
    fn workers_stay_within_window() {
        let items: Vec<usize> = (0..100).collect();
        let started = AtomicUsize::new(0);
        let mut ahead = 0;
        let result: Result<(), ()> = for_each_ordered(
            &pool(4),
            &items,
            5,
            |_| started.fetch_add(1, Ordering::SeqCst),
            |event| {
                if let Event::Done(index, _) = event {
                    let now = started.load(Ordering::SeqCst);
                    ahead = ahead.max(now - index);
                    std::thread::sleep(Duration::from_micros(100));
                }
                Ok(())
            },
        );
        assert!(result.is_ok());
        // Item `index` is being consumed, so at most `window` items from
        // `index` on have started.
        assert!(ahead <= 5, "{ahead} items started ahead");
    }

    #[test]
    fn consumer_error_stops_run() {
        let items: Vec<usize> = (0..10_000).collect();
        let done = AtomicUsize::new(0);
        let result = for_each_ordered(
            &pool(2),
            &items,
            8,
            |_| done.fetch_add(1, Ordering::SeqCst),
            |event| match event {
                Event::Done(10, _) => Err(10),
                _ => Ok(()),
            },
        );
        assert_eq!(result, Err(10));
        assert!(done.load(Ordering::SeqCst) <= 10 + 8);
    }

    #[test]
    fn empty_list_consumes_nothing() {
        let items: [u8; 0] = [];
        let mut calls = 0;
        let result: Result<(), ()> = for_each_ordered(
            &pool(2),
            &items,
            4,
            |_| 0,
            |_| {
                calls += 1;
                Ok(())
            },
        );
        assert!(result.is_ok());
        assert_eq!(calls, 0);
    }
}
