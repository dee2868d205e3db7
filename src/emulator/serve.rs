//! The emulator's HTTP/1.1 server loop: a header-read timeout, an idle timeout, a request-body timeout and a cap on
//! connections below the descriptor limit, so that idle or slow sockets cannot stop it from answering.
//!
//! At the cap it closes the connection that has been idle longest (no request being handled) and takes the new one,
//! as nginx reuses idle keep-alive connections: waiting instead would let a few hundred idle sockets hold every
//! slot until their timeouts, and refusing would turn away the very probe that matters. Only when every connection
//! is busy answering does it wait (retrying the eviction as connections go idle).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

/// What bounds a connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// Locks the connection table, recovering it if a task panicked while holding it.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Half the process's soft descriptor limit, between 16 and 4096: the rest is for everything else the process
/// opens (the app's window, the client side of `fetch`, key files).
#[allow(clippy::useless_conversion)] // rlim_t is u64 on Linux, not everywhere
pub fn default_max_connections() -> usize {
    #[cfg(unix)]
    {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes only into the struct we pass.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } == 0 {
            let soft = u64::try_from(r.rlim_cur).unwrap_or(u64::MAX);
            return usize::try_from((soft / 2).clamp(16, 4096)).unwrap_or(4096);
        }
    }
    256
}

/// One connection, as the accept loop sees it.
struct Conn {
    /// Milliseconds since `Conns::epoch` of the last byte in or out, or the end of the last request.
    last_active: AtomicU64,
    in_flight: AtomicUsize,
    evict: Notify,
}

struct Conns {
    epoch: Instant,
    live: std::sync::Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Conns {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self, conn: &Conn) {
        conn.last_active.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Asks the connection idle longest to close; false if every connection is busy.
    fn evict_idlest(&self) -> bool {
        let live = lock(&self.live);
        let idlest = live
            .values()
            .filter(|c| c.in_flight.load(Ordering::Relaxed) == 0)
            .min_by_key(|c| c.last_active.load(Ordering::Relaxed));
        match idlest {
            Some(c) => {
                c.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// The socket, noting each byte that moves.
struct Tracked {
    stream: TcpStream,
    conn: Arc<Conn>,
    conns: Arc<Conns>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conns.touch(&self.conn);
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.conns.touch(&self.conn);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.conns.touch(&self.conn);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Counts a request as being handled while it lives; its end counts as activity.
struct InFlight {
    conn: Arc<Conn>,
    conns: Arc<Conns>,
}

impl InFlight {
    fn new(conn: &Arc<Conn>, conns: &Arc<Conns>) -> InFlight {
        conn.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            conn: conn.clone(),
            conns: conns.clone(),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conns.touch(&self.conn);
        self.conn.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A request body that fails if nothing arrives for `timeout` (a client that announces a body and stops).
struct TimedBody {
    inner: Incoming,
    timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body stopped arriving for {0:?}")]
struct BodyTimeout(Duration);

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let deadline = Instant::now() + this.timeout;
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(this.timeout))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `router` on `listener` until `stop` fires; then lets busy connections finish (at most 5 s).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let conns = Arc::new(Conns {
        epoch: Instant::now(),
        live: std::sync::Mutex::default(),
    });
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, most likely: make room and breathe instead of spinning.
                tracing::warn!("emulator: accept failed: {e}");
                conns.evict_idlest();
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => match wait_for_room(&permits, &conns, &mut stop).await {
                Some(p) => p,
                None => break,
            },
        };
        next_id += 1;
        let conn = Arc::new(Conn {
            last_active: AtomicU64::new(conns.now_ms()),
            in_flight: AtomicUsize::new(0),
            evict: Notify::new(),
        });
        lock(&conns.live).insert(next_id, conn.clone());
        tasks.spawn(serve_connection(
            next_id,
            stream,
            conn,
            conns.clone(),
            router.clone(),
            limits,
            shutdown_rx.clone(),
            permit,
        ));
    }
    let _ = shutdown_tx.send(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::warn!("emulator: stopping with requests still being answered");
    }
}

/// At the cap: closes the longest-idle connection and waits for its slot, retrying while every one is busy.
/// `None` when the emulator is stopping.
async fn wait_for_room(
    permits: &Arc<Semaphore>,
    conns: &Conns,
    stop: &mut oneshot::Receiver<()>,
) -> Option<OwnedSemaphorePermit> {
    loop {
        conns.evict_idlest();
        tokio::select! {
            _ = &mut *stop => return None,
            p = permits.clone().acquire_owned() => return p.ok(),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve_connection(
    id: u64,
    stream: TcpStream,
    conn: Arc<Conn>,
    conns: Arc<Conns>,
    router: Router,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let io = TokioIo::new(Tracked {
        stream,
        conn: conn.clone(),
        conns: conns.clone(),
    });
    let service = {
        let (conn, conns) = (conn.clone(), conns.clone());
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = InFlight::new(&conn, &conns);
            let (parts, body) = request.into_parts();
            let body = TimedBody {
                inner: body,
                timeout: limits.idle_timeout,
                sleep: Box::pin(tokio::time::sleep(limits.idle_timeout)),
            };
            let request = hyper::Request::from_parts(parts, axum::body::Body::new(body));
            let answer = router.clone().oneshot(request);
            async move {
                let response = answer.await;
                drop(guard);
                response
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let served = builder.serve_connection(io, service);
    tokio::pin!(served);
    let mut draining = false;
    let idle = |c: &Conn| c.in_flight.load(Ordering::Relaxed) == 0;
    loop {
        let deadline = if idle(&conn) {
            conns.epoch
                + Duration::from_millis(conn.last_active.load(Ordering::Relaxed))
                + limits.idle_timeout
        } else {
            Instant::now() + limits.idle_timeout
        };
        tokio::select! {
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("emulator: connection ended: {e}");
                }
                break;
            }
            () = conn.evict.notified() => {
                if idle(&conn) {
                    tracing::debug!("emulator: closing an idle connection to make room");
                    break;
                }
                served.as_mut().graceful_shutdown();
            }
            _ = shutdown.changed(), if !draining => {
                draining = true;
                if idle(&conn) {
                    break;
                }
                served.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(deadline) => {
                let quiet = conns.now_ms().saturating_sub(conn.last_active.load(Ordering::Relaxed));
                if idle(&conn) && u128::from(quiet) >= limits.idle_timeout.as_millis() {
                    tracing::debug!("emulator: closing a connection idle for {quiet} ms");
                    break;
                }
            }
        }
    }
    lock(&conns.live).remove(&id);
}
