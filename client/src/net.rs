//! The network thread: one single-threaded tokio runtime per app that runs the WebSocket connection
//! and every REST call, so that the UI thread never waits on the network.
//!
//! A kiosk or a hall screen has one socket and a request now and then; a multi-threaded runtime would
//! only add threads. Results come back to the UI through `std::sync::mpsc` channels that it drains
//! with `try_recv` each frame, plus a [`Wake`] call so that egui repaints only when something arrived.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::Wake;

/// How long the thread waits, when stopping, for work that cannot be cancelled (a DNS lookup).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// The thread that runs the app's network work. Dropping it stops the runtime: every connection and
/// request still running is cancelled. Drop it from the UI thread (it joins the network thread),
/// never from a task running on it.
pub struct NetThread {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl NetThread {
    /// Starts the thread. Returns at once (building the runtime takes microseconds); fails only when
    /// the OS refuses a thread or a timer.
    pub fn start() -> std::io::Result<NetThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("qcall-net")
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("qcall-net".into())
            .spawn(move || {
                // A current-thread runtime runs its tasks only while something blocks on it.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                runtime.shutdown_timeout(SHUTDOWN_GRACE);
            })?;
        Ok(NetThread {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The runtime, to spawn network tasks on. Spawning works from any thread.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for NetThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for NetThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetThread").finish_non_exhaustive()
    }
}

/// Runs futures (REST calls) on the network thread and hands their results to the UI thread.
///
/// `T` is the app's own reply type, typically an enum with one variant per kind of request, so that
/// one channel carries every answer in the order they arrived. The UI calls [`Requests::try_recv`]
/// (or [`Requests::drain`]) each frame; it never blocks.
pub struct Requests<T> {
    handle: Handle,
    tx: mpsc::Sender<T>,
    rx: mpsc::Receiver<T>,
    wake: Wake,
    in_flight: Arc<AtomicUsize>,
}

/// Counts a request as finished even when its task is cancelled (the runtime stopping).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<T: Send + 'static> Requests<T> {
    /// An executor on `net`'s runtime that calls `wake` after each result it delivers.
    pub fn new(net: &NetThread, wake: Wake) -> Requests<T> {
        let (tx, rx) = mpsc::channel();
        Requests {
            handle: net.handle().clone(),
            tx,
            rx,
            wake,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Starts `request` on the network thread and returns at once; its output arrives through
    /// [`Requests::try_recv`]. Retries belong inside the future (see [`crate::RestClient`]), so that
    /// they reuse the intent's request id.
    pub fn spawn<F>(&self, request: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self.in_flight.clone());
        let tx = self.tx.clone();
        let wake = self.wake.clone();
        self.handle.spawn(async move {
            let output = request.await;
            // The counter drops before the wake, so a repaint sees the request finished.
            drop(guard);
            if tx.send(output).is_ok() {
                wake();
            }
        });
    }

    /// The next finished request's output, if any. Never blocks.
    pub fn try_recv(&self) -> Option<T> {
        self.rx.try_recv().ok()
    }

    /// Every output that arrived since the last call. Never blocks.
    pub fn drain(&self) -> impl Iterator<Item = T> + '_ {
        self.rx.try_iter()
    }

    /// Requests started and not finished: the UI greys out a button while its intent is on the way,
    /// so one touch never becomes two requests.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

impl<T> std::fmt::Debug for Requests<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requests")
            .field("in_flight", &self.in_flight.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;
    use std::time::Instant;

    #[test]
    fn results_arrive_without_blocking_and_wake_the_ui() {
        let net = NetThread::start().expect("net thread");
        let wakes = Arc::new(AtomicU32::new(0));
        let counter = wakes.clone();
        let requests: Requests<u32> = Requests::new(
            &net,
            Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        );
        assert_eq!(requests.try_recv(), None, "nothing before anything ran");
        // The first request waits until the second one's answer has been taken.
        let (go, gate) = oneshot::channel::<()>();
        requests.spawn(async {
            let _ = gate.await;
            7
        });
        requests.spawn(async { 3 });
        assert_eq!(requests.in_flight(), 2);
        let mut got = Vec::new();
        let mut go = Some(go);
        let deadline = Instant::now() + Duration::from_secs(30);
        while got.len() < 2 {
            assert!(Instant::now() < deadline, "answers so far: {got:?}");
            got.extend(requests.drain());
            if got == [3]
                && let Some(go) = go.take()
            {
                go.send(()).expect("the first request waits");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(got, vec![3, 7], "in the order they finished");
        assert_eq!(requests.in_flight(), 0);
        assert_eq!(wakes.load(Ordering::SeqCst), 2, "one wake per result");
    }

    #[test]
    fn dropping_the_thread_cancels_running_work() {
        let net = NetThread::start().expect("net thread");
        let requests: Requests<()> = Requests::new(&net, crate::no_wake());
        requests.spawn(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
        let started = Instant::now();
        drop(net);
        // Far below the hour the request would take: it was cancelled, not waited for.
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "stops promptly"
        );
        assert_eq!(
            requests.in_flight(),
            0,
            "the cancelled request is not counted"
        );
        // Spawning after the stop is harmless: the task is dropped, nothing panics.
        requests.spawn(async {});
    }
}
