//! Runs a function over a list of items on a thread pool and hands the
//! results to a consumer in list order, each as soon as it and every
//! result before it are ready.
//!
//! The consumer's thread starts the items in list order, each as its own
//! job, with at most two items per thread started and not yet received,
//! and none more than a window past the last result consumed. The
//! results waiting to be consumed therefore stay bounded however slow one
//! item is.
//!
//! No job waits for the consumer. A worker that waits inside an item's
//! own parallel work (a nested join) runs other queued jobs meanwhile. A
//! job that blocked there would also block the item below it on that
//! worker's stack, which the consumer is waiting for.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
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

/// The message of a finished job: its item's result, or the payload of
/// the panic that ended it, which the consumer's thread raises again.
type Outcome<R> = Result<R, Box<dyn Any + Send>>;

/// Runs `work` on every item on `pool`, at most `window` items ahead of
/// the consumer, and calls `consume` on the calling thread with each
/// result in item order. It also calls `consume` with [`Event::Idle`]
/// whenever the next result has been awaited for a while.
///
/// The first error from `consume` stops the run: the items already
/// started finish, those queued are skipped, and the error is returned.
/// A panic in `work` is raised again on the calling thread.
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
    // A worker that waits in a nested join may run any started item on
    // top of the one under it, so a stack contains at most `running`
    // items, each with its own frames. Two per thread keep one queued for
    // a worker that finishes: with one, 138 PE files took 10 % longer.
    let running = pool.current_num_threads().max(1).saturating_mul(2);
    let stopped = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<(usize, Outcome<R>)>();
    pool.in_place_scope(|scope| {
        let (stopped, work) = (&stopped, &work);
        let mut started = 0;
        // Starts the next items, as far as `running` items may be
        // started and not received, and the window past `consumed`
        // allows.
        let mut start_more = |consumed: usize, received: usize| {
            let limit = consumed
                .saturating_add(window)
                .min(received.saturating_add(running))
                .min(items.len());
            for (index, item) in
                items.iter().enumerate().take(limit).skip(started)
            {
                let sender = sender.clone();
                scope.spawn(move |_| {
                    if stopped.load(Ordering::Relaxed) {
                        return;
                    }
                    let outcome =
                        panic::catch_unwind(AssertUnwindSafe(|| work(item)));
                    // The receiver is gone only once the run has stopped.
                    let _ = sender.send((index, outcome));
                });
            }
            started = started.max(limit);
        };
        start_more(0, 0);
        let result =
            consume_in_order(&receiver, items.len(), start_more, consume);
        stopped.store(true, Ordering::Relaxed);
        result
    })
}

/// Receives the results of `total` items, puts them back in item order
/// and consumes them. After each result it calls `start_more` with the
/// counts of results consumed and received.
fn consume_in_order<R, E>(
    receiver: &Receiver<(usize, Outcome<R>)>,
    total: usize,
    mut start_more: impl FnMut(usize, usize),
    mut consume: impl FnMut(Event<R>) -> Result<(), E>,
) -> Result<(), E> {
    let mut waiting = BTreeMap::new();
    let mut expected = 0usize;
    let mut received = 0usize;
    while expected < total {
        let (index, outcome) = match receiver.recv_timeout(IDLE_AFTER) {
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
        match outcome {
            Ok(result) => waiting.insert(index, result),
            Err(payload) => panic::resume_unwind(payload),
        };
        received += 1;
        while let Some(result) = waiting.remove(&expected) {
            consume(Event::Done(expected, result))?;
            expected += 1;
        }
        start_more(expected, received);
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

    #[test]
    fn nested_parallel_work_finishes() {
        // A worker that waits inside a nested join runs other queued
        // jobs meanwhile, as a PE file's parallel hashing does. No such
        // job may wait on the consumer, which waits on this worker.
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let items: Vec<u64> = (0..400).collect();
            let mut seen = 0;
            let result: Result<(), ()> = for_each_ordered(
                &pool(2),
                &items,
                2,
                |&n| {
                    let pause = Duration::from_micros(50 + n % 7 * 20);
                    let (a, b) = rayon::join(
                        || {
                            std::thread::sleep(pause);
                            n
                        },
                        || {
                            std::thread::sleep(pause);
                            n
                        },
                    );
                    a + b
                },
                |event| {
                    if let Event::Done(index, sum) = event {
                        assert_eq!(sum, 2 * index as u64);
                        seen += 1;
                    }
                    Ok(())
                },
            );
            let _ = done.send((result, seen));
        });
        let outcome = finished.recv_timeout(Duration::from_secs(60));
        assert_eq!(outcome, Ok((Ok(()), 400)), "the run did not finish");
    }

    #[test]
    fn panic_in_work_reaches_caller() {
        let items: Vec<u64> = (0..50).collect();
        let run = panic::catch_unwind(|| {
            let _: Result<(), ()> = for_each_ordered(
                &pool(2),
                &items,
                4,
                |&n| assert!(n != 7, "item seven"),
                |_| Ok(()),
            );
        });
        let payload = run.expect_err("the panic of item 7 is raised");
        let message = payload.downcast_ref::<&str>().copied();
        assert_eq!(message, Some("item seven"));
    }

    #[test]
    fn nesting_stays_within_running_limit() {
        // Items run on top of one another only while a worker waits in
        // a nested join, and at most two items per thread are running,
        // so a worker's stack contains at most that many items.
        thread_local! {
            static DEPTH: std::cell::Cell<usize> =
                const { std::cell::Cell::new(0) };
        }
        let deepest = AtomicUsize::new(0);
        let items: Vec<u64> = (0..1000).collect();
        let result: Result<(), ()> = for_each_ordered(
            &pool(2),
            &items,
            64,
            |&n| {
                let depth = DEPTH.with(|d| {
                    d.set(d.get() + 1);
                    d.get()
                });
                deepest.fetch_max(depth, Ordering::SeqCst);
                let pause = Duration::from_micros(50 + n % 7 * 20);
                rayon::join(
                    || std::thread::sleep(pause),
                    || std::thread::sleep(pause),
                );
                DEPTH.with(|d| d.set(d.get() - 1));
            },
            |_| Ok(()),
        );
        assert!(result.is_ok());
        let deepest = deepest.load(Ordering::SeqCst);
        assert!(deepest <= 4, "{deepest} items nested on one stack");
    }
}
