//! A TCP proxy the test controls, between the server and PostgreSQL (after crates.io's
//! `chaosproxy.rs`, on plain threads): the database can be cut or stalled without touching the
//! machine's shared PostgreSQL server.
//!
//! - [`ChaosProxy::cut`]: every open connection is closed (both ends see EOF) and new ones are
//!   closed as soon as they are accepted — a database that went down or restarted.
//! - [`ChaosProxy::stall`]: nothing is forwarded; open connections stay open and new ones are
//!   accepted and never answered — a hung database or a network that drops everything.
//! - [`ChaosProxy::unreachable`]: open connections are closed and new ones hang for good, even
//!   after the restore — connection attempts into the void, as to a host that went away.
//! - [`ChaosProxy::restore`]: traffic flows again; stalled bytes are delivered.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

const OPEN: u8 = 0;
const CUT: u8 = 1;
const STALL: u8 = 2;
const CLOSED: u8 = 3;
const UNREACHABLE: u8 = 4;

/// How often idle threads look at the mode.
const POLL: Duration = Duration::from_millis(10);

struct Shared {
    mode: AtomicU8,
    /// Bumped by every cut: connections from before it are closed even if restored at once.
    epoch: AtomicU64,
    /// Connections accepted in all (for the test's report).
    accepted: AtomicUsize,
    backend: SocketAddr,
}

impl Shared {
    fn mode(&self) -> u8 {
        self.mode.load(Ordering::SeqCst)
    }

    /// Whether a connection of `epoch` must close now.
    fn doomed(&self, epoch: u64) -> bool {
        let mode = self.mode();
        mode == CUT
            || mode == CLOSED
            || mode == UNREACHABLE
            || self.epoch.load(Ordering::SeqCst) != epoch
    }
}

pub struct ChaosProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl ChaosProxy {
    /// A proxy on a free loopback port in front of `backend` (`host:port`).
    pub fn start(backend: &str) -> ChaosProxy {
        let backend = backend
            .to_socket_addrs()
            .expect("backend address")
            .next()
            .expect("backend address resolves");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(OPEN),
            epoch: AtomicU64::new(0),
            accepted: AtomicUsize::new(0),
            backend,
        });
        let s = shared.clone();
        std::thread::spawn(move || accept_loop(listener, s));
        ChaosProxy { addr, shared }
    }

    /// A proxy in front of the server of a `postgres://` URL, and the URL through it.
    pub fn for_postgres(url: &str) -> (ChaosProxy, String) {
        let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
        let (authority, tail) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let hostport = if hostport.contains(':') {
            hostport.to_owned()
        } else {
            format!("{hostport}:5432")
        };
        let proxy = ChaosProxy::start(&hostport);
        let proxied = format!("{scheme}://{userinfo}{}{tail}", proxy.addr);
        (proxy, proxied)
    }

    pub fn cut(&self) {
        self.shared.epoch.fetch_add(1, Ordering::SeqCst);
        self.shared.mode.store(CUT, Ordering::SeqCst);
    }

    pub fn stall(&self) {
        self.shared.mode.store(STALL, Ordering::SeqCst);
    }

    pub fn unreachable(&self) {
        self.shared.epoch.fetch_add(1, Ordering::SeqCst);
        self.shared.mode.store(UNREACHABLE, Ordering::SeqCst);
    }

    pub fn restore(&self) {
        self.shared.mode.store(OPEN, Ordering::SeqCst);
    }

    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.shared.mode.store(CLOSED, Ordering::SeqCst);
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while shared.mode() != CLOSED {
        match listener.accept() {
            Ok((client, _)) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                let s = shared.clone();
                std::thread::spawn(move || connection(client, s));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

fn connection(client: TcpStream, shared: Arc<Shared>) {
    let epoch = shared.epoch.load(Ordering::SeqCst);
    if shared.mode() == UNREACHABLE {
        // Never answered, never closed, until the proxy goes.
        while shared.mode() != CLOSED {
            std::thread::sleep(POLL);
        }
        return;
    }
    // A stalled network: accepted, never answered, until restored or cut.
    while shared.mode() == STALL {
        std::thread::sleep(POLL);
    }
    if shared.doomed(epoch) {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(backend) = TcpStream::connect_timeout(&shared.backend, Duration::from_secs(2)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nonblocking(false);
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    let (Ok(c2), Ok(b2)) = (client.try_clone(), backend.try_clone()) else {
        return;
    };
    let s = shared.clone();
    std::thread::spawn(move || pump(c2, b2, s, epoch));
    pump(backend, client, shared, epoch);
}

/// Copies `from` → `to` while the mode allows, closing both on a cut.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: Arc<Shared>, epoch: u64) {
    let _ = from.set_read_timeout(Some(POLL));
    let _ = to.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if shared.doomed(epoch) {
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
        if shared.mode() == STALL {
            // Read nothing: what was sent waits in the socket buffers.
            std::thread::sleep(POLL);
            continue;
        }
        match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}
