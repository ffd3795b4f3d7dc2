//! Connections with a deadline: a client must send each request within
//! [`REQUEST_WINDOW`] of connecting or of the previous answer. A client that
//! trickles a request's header or body a byte at a time (slowloris), or
//! connects and says nothing, is disconnected then instead of holding a
//! connection and its memory for ever. (hyper's own header-read timeout needs
//! a timer that `axum::serve` does not give it.)
//!
//! The clock runs only while the server waits to *read*: the time a handler
//! takes (bounded by the database's busy and pool timeouts) and the time an
//! answer takes to write do not count, and each answer written starts a new
//! window, so a kept-alive connection that goes quiet is closed after one
//! window too.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a client has to send one request, header and body.
pub const REQUEST_WINDOW: Duration = Duration::from_secs(120);

/// A [`TcpListener`] whose connections have a read deadline.
#[derive(Debug)]
pub struct DeadlineListener {
    listener: TcpListener,
    window: Duration,
}

impl DeadlineListener {
    /// `listener` with the request window `window` ([`REQUEST_WINDOW`] in
    /// production; tests use less).
    pub fn new(listener: TcpListener, window: Duration) -> DeadlineListener {
        DeadlineListener { listener, window }
    }
}

impl axum::serve::Listener for DeadlineListener {
    type Io = DeadlineStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        let _ = stream.set_nodelay(true);
        (DeadlineStream::new(stream, self.window), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A connection whose reads fail with `TimedOut` once the window since it
/// opened, or since the last answer was written, has passed.
#[derive(Debug)]
pub struct DeadlineStream {
    stream: TcpStream,
    window: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl DeadlineStream {
    fn new(stream: TcpStream, window: Duration) -> DeadlineStream {
        DeadlineStream {
            stream,
            window,
            deadline: Box::pin(tokio::time::sleep(window)),
        }
    }
}

impl AsyncRead for DeadlineStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request was not sent in time",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for DeadlineStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            let next = Instant::now() + self.window;
            self.deadline.as_mut().reset(next);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            let next = Instant::now() + self.window;
            self.deadline.as_mut().reset(next);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The client's address on a [`DeadlineListener`] connection (axum names
/// only a plain `TcpListener`'s): serve with
/// `into_make_service_with_connect_info::<ClientAddr>()` and
/// [`expose_client_addr`], and handlers find `ConnectInfo<SocketAddr>` as usual.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, DeadlineListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, DeadlineListener>) -> ClientAddr {
        ClientAddr(*stream.remote_addr())
    }
}

/// Middleware (`axum::middleware::map_request`): copies the [`ClientAddr`]
/// into the `ConnectInfo<SocketAddr>` the sign-in throttle reads.
pub async fn expose_client_addr(mut request: axum::extract::Request) -> axum::extract::Request {
    use axum::extract::ConnectInfo;
    if let Some(ConnectInfo(ClientAddr(addr))) = request.extensions().get().copied() {
        request.extensions_mut().insert(ConnectInfo(addr));
    }
    request
}
