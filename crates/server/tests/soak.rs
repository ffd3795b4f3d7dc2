//! The fault soak: the real `complaints-server` binary, SIGKILLed at random
//! points while a simulated tablet pushes (and sometimes while a device
//! pulls), for [`ROUNDS`] rounds, on one data directory.
//!
//! The tablet keeps an outbox like the app's: creations of a few complaints,
//! edits of their `tracking` field (each based on the field's heads, as the
//! app makes them) and timeline entries (`tl.<id>`), so the operations of one
//! record depend on each other. Each round it makes a few operations, then
//! pushes the front of its outbox (1–50 operations, the retries of every
//! operation not yet acknowledged first) while a killer thread SIGKILLs the
//! server after a random delay: 0–30 ms, or up to twice the time a push of
//! that size has been taking if that is longer, so kills fall before, around
//! and after the commit. One round in five, a second device instead syncs
//! the log from scratch in pages of 2–10 operations (0–30 ms to the kill),
//! going on from its cursor after each restart; each sync it completes must
//! hold every acknowledged operation, once.
//!
//! After each kill the server starts again on the same data directory; the
//! tablet pulls the log and checks that every acknowledged operation is in
//! it, and that a push that got no answer was committed whole or not at all.
//! Operations not acknowledged stay in the outbox and go again with the next
//! push, as a real client retries (operation ids make a retry idempotent).
//!
//! At the end the outbox is pushed until empty, the whole log is pulled, the
//! server is stopped and its database opened: every operation the tablet
//! made is in the log exactly once, as it was made; each record's stored
//! state holds exactly that record's operations, equals the tablet's own
//! copy and the state folded from the log, and materializes to the stored
//! complaint; `updated_seq` is the seq of the record's newest operation.
//!
//! Prints `fault soak: 100 rounds, N kills, M ops, 0 lost, 0 applied twice`
//! and a detail line (where the kills fell, the seed, the time). The random
//! choices come from a seed (printed; `SOAK_SEED=<n>` repeats them — the kill
//! points still depend on the machine's timing); `SOAK_VERBOSE=1` prints
//! each round. The whole run has a time limit ([`TIME_LIMIT`]): it fails
//! with a message instead of hanging, and the server process is killed
//! whatever happens.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use complaints_domain::fixtures;
use complaints_domain::sync::{
    complaint_fields, op_id_from_bytes, HlcClock, Op, Outcome, PullResponse, PushRequest,
    PushResponse, RecordState, TIMELINE_PREFIX,
};
use complaints_server::auth::{self, NewUser};
use complaints_server::open_db;
use serde_json::{json, Value};

const ROUNDS: usize = 100;
/// How long the whole soak may take before it fails.
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// The longest one request may take (within the time limit).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const MAX_KILL_DELAY_MS: u64 = 30;
const MAX_BATCH: u64 = 50;
/// How many complaints the tablet creates at most.
const COMPLAINTS: u32 = 8;
const DEVICE: &str = "soak-tablet";
const USERNAME: &str = "soak";
/// The user's display name: who a timeline entry says did it.
const DISPLAY_NAME: &str = "王伟";
/// The tablet's secret key, bound to its device id at the first sign-in.
const DEVICE_KEY: &str = "soak-tablet-secret-key-0123456789";

// ---------------------------------------------------------------------------
// Randomness and time

/// SplitMix64: a deterministic generator from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// The soak's time limit.
#[derive(Clone, Copy)]
struct Deadline {
    end: Instant,
    seed: u64,
}

impl Deadline {
    /// The time left; fails the test once there is none.
    fn left(&self, doing: &str) -> Duration {
        let now = Instant::now();
        assert!(
            now < self.end,
            "fault soak (seed {}): over the time limit of {} s while {doing}",
            self.seed,
            TIME_LIMIT.as_secs()
        );
        self.end - now
    }

    /// The timeout of one request.
    fn request(&self, doing: &str) -> Duration {
        self.left(doing).min(REQUEST_TIMEOUT)
    }
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap()
}

// ---------------------------------------------------------------------------
// A minimal HTTP/1.1 client: one request per connection.

/// Sends one request and reads the whole answer: `(status, body)`. Any
/// answer that does not arrive complete (the server died) is an error.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    timeout: Duration,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n"
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(body) = body {
        stream.write_all(body)?;
    }
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete answer"))
}

/// `(status, body)` of a complete HTTP/1.1 answer, `None` if it was cut short.
fn parse_response(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let rest = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = Some(value.parse::<usize>().ok()?);
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    if chunked {
        let mut body = Vec::new();
        let mut rest = rest;
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                return Some((status, body));
            }
            if rest.len() < size + 2 {
                return None;
            }
            body.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
    }
    match length {
        Some(length) if rest.len() >= length => Some((status, rest[..length].to_vec())),
        Some(_) => None,
        // Framed by the end of the connection: completeness is checked by
        // parsing the body.
        None => Some((status, rest.to_vec())),
    }
}

// ---------------------------------------------------------------------------
// The server process

/// A running server; dropping it kills the process and waits for it.
struct Server {
    child: Arc<Mutex<Child>>,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Where the server runs, and how it has been started and stopped.
struct Harness {
    data_dir: PathBuf,
    dist_dir: PathBuf,
    log: PathBuf,
    deadline: Deadline,
    starts: usize,
}

impl Harness {
    /// Starts the binary on a free port and waits until `/api/health`
    /// answers 200.
    fn start(&mut self) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_complaints-server"));
        command
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--dist")
            .arg(&self.dist_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        for name in [
            "COMPLAINTS_ADDR",
            "COMPLAINTS_DATA_DIR",
            "COMPLAINTS_DIST",
            "COMPLAINTS_TOKEN_LIFETIME",
            "COMPLAINTS_DEMO",
        ] {
            command.env_remove(name);
        }
        let mut child = command.spawn().expect("the server binary starts");
        self.starts += 1;
        let stdout = child.stdout.take().unwrap();
        let server = Server {
            child: Arc::new(Mutex::new(child)),
            // Replaced below once the server says where it listens.
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        // Read (and keep draining) its standard output.
        let (lines, listening) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        let addr = loop {
            let line = match listening.recv_timeout(self.deadline.left("starting the server")) {
                Ok(line) => line,
                Err(error) => panic!(
                    "fault soak (seed {}): the server did not start ({error}); its log:\n{}",
                    self.deadline.seed,
                    self.log_tail()
                ),
            };
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest
                    .split(' ')
                    .next()
                    .unwrap()
                    .parse::<SocketAddr>()
                    .unwrap();
            }
        };
        let mut server = server;
        server.addr = addr;
        loop {
            let timeout = self.deadline.request("waiting for /api/health");
            match http(addr, "GET", "/api/health", None, None, timeout) {
                Ok((200, _)) => return server,
                Ok((status, body)) if status < 500 => panic!(
                    "/api/health answered {status}: {}",
                    String::from_utf8_lossy(&body)
                ),
                _ => {}
            }
            if let Ok(Some(status)) = server.child.lock().unwrap().try_wait() {
                panic!(
                    "fault soak (seed {}): the server exited ({status}) while starting; its log:\n{}",
                    self.deadline.seed,
                    self.log_tail()
                );
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The end of the servers' combined standard error.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// SIGKILLs `server` after `delay` from another thread; `join` it to learn
/// that it is done.
fn killer(server: &Server, delay: Duration, seed: u64) -> thread::JoinHandle<()> {
    let child = Arc::clone(&server.child);
    thread::spawn(move || {
        thread::sleep(delay);
        let mut child = child.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(Some(status)) = child.try_wait() {
            panic!("fault soak (seed {seed}): the server exited by itself ({status})");
        }
        child.kill().expect("SIGKILL the server");
        child.wait().expect("reap the server");
    })
}

// ---------------------------------------------------------------------------
// The tablet

struct Tablet {
    rng: Rng,
    clock: HlcClock,
    /// Its copy of each record, every operation it made applied.
    records: BTreeMap<String, RecordState>,
    /// Every operation it made, in order.
    made: Vec<Op>,
    /// The operations not yet acknowledged, in the order made.
    outbox: Vec<Op>,
    complaints: u32,
    entries: u32,
}

impl Tablet {
    fn new(seed: u64) -> Tablet {
        Tablet {
            rng: Rng(seed),
            clock: HlcClock::default(),
            records: BTreeMap::new(),
            made: Vec::new(),
            outbox: Vec::new(),
            complaints: 0,
            entries: 0,
        }
    }

    fn op_id(&mut self) -> String {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.rng.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.rng.next().to_le_bytes()[..2]);
        op_id_from_bytes(bytes)
    }

    /// Makes one operation, as the app does, and puts it in the outbox.
    fn make_op(&mut self) {
        let create =
            self.records.is_empty() || (self.complaints < COMPLAINTS && self.rng.percent(15));
        let id = self.op_id();
        let hlc = self.clock.tick(now_ms());
        let mut set = BTreeMap::new();
        let mut base = BTreeMap::new();
        let record = if create {
            let complaint = fixtures::generated(self.complaints, DEVICE);
            self.complaints += 1;
            set = complaint_fields(&complaint);
            complaint.id
        } else {
            let n = self.rng.below(self.records.len() as u64) as usize;
            let (record, state) = self.records.iter().nth(n).unwrap();
            let kind = self.rng.below(3);
            if kind != 1 {
                // An edit of `tracking`, based on the value the tablet shows.
                let heads = state.fields.get("tracking").map(|f| f.head_ids());
                set.insert(
                    "tracking".to_owned(),
                    json!(format!("跟踪 {} (op {id})", self.made.len())),
                );
                base.insert("tracking".to_owned(), heads.unwrap_or_default());
            }
            if kind != 0 {
                self.entries += 1;
                let entry = format!("soak-{}", self.entries);
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                set.insert(
                    format!("{TIMELINE_PREFIX}{entry}"),
                    json!({"id": entry, "kind": "note", "at": now, "recorded": now,
                           "by": DISPLAY_NAME, "dev": DEVICE, "text": format!("已电话联系 {entry}")}),
                );
            }
            record.clone()
        };
        let op = Op {
            id,
            record,
            hlc,
            device: DEVICE.to_owned(),
            user: Some(USERNAME.to_owned()),
            received: None,
            set,
            base,
        };
        self.records
            .entry(op.record.clone())
            .or_insert_with(|| RecordState::new(&op.record))
            .apply(&op);
        self.made.push(op.clone());
        self.outbox.push(op);
    }
}

// ---------------------------------------------------------------------------
// Push and pull

/// Pushes `ops`: `Some` with the answer if it arrived whole, `None` if the
/// server died first. An answer other than 200, or a rejected operation,
/// fails the test (every operation is valid).
fn push(addr: SocketAddr, token: &str, ops: &[Op], deadline: &Deadline) -> Option<PushResponse> {
    let body = serde_json::to_vec(&PushRequest {
        device: DEVICE.to_owned(),
        ops: ops.to_vec(),
    })
    .unwrap();
    let timeout = deadline.request("pushing");
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/sync/push",
        Some(token),
        Some(&body),
        timeout,
    )
    .ok()?;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "push answered {status}: {text}");
    let answer: PushResponse = serde_json::from_slice(&body).ok()?;
    assert_eq!(answer.results.len(), ops.len(), "one result per op: {text}");
    for (result, op) in answer.results.iter().zip(ops) {
        assert_eq!(result.id, op.id, "results in the order sent");
        assert_eq!(
            result.outcome,
            Outcome::Accepted,
            "op {} of record {} refused: {:?}",
            op.id,
            op.record,
            op.set.keys().collect::<Vec<_>>()
        );
    }
    Some(answer)
}

/// One pull page after `cursor`, every device's operations included:
/// `None` if the server died before the page arrived whole.
fn pull_page(
    addr: SocketAddr,
    token: &str,
    cursor: &str,
    limit: u64,
    deadline: &Deadline,
) -> Option<PullResponse> {
    let path = format!("/api/v1/sync/pull?after={cursor}&limit={limit}");
    let timeout = deadline.request("pulling");
    let (status, body) = http(addr, "GET", &path, Some(token), None, timeout).ok()?;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "pull answered {status}: {text}");
    let page: PullResponse = serde_json::from_slice(&body).ok()?;
    assert!(
        page.removed.is_empty() && page.withdrawn.is_empty(),
        "{text}"
    );
    Some(page)
}

/// An op as the tablet made it: without the server's receipt time, which
/// the server adds when it accepts it.
fn as_made(op: &Op) -> Op {
    Op {
        received: None,
        ..op.clone()
    }
}

/// A record's state without the server's receipt times (the tablet's
/// copy, made from its own ops, has none).
fn without_receipts(state: &RecordState) -> RecordState {
    let mut state = state.clone();
    for meta in state.ops.values_mut() {
        meta.received = None;
    }
    state
}

/// What the tablet has pulled, page by page, across every kill.
struct Pulled {
    cursor: String,
    /// Op id → the op as served.
    ops: BTreeMap<String, Op>,
    /// Operations served a second time after the cursor had passed them.
    served_twice: usize,
}

impl Pulled {
    fn new() -> Pulled {
        Pulled {
            cursor: "0".to_owned(),
            ops: BTreeMap::new(),
            served_twice: 0,
        }
    }

    fn take(&mut self, page: PullResponse) {
        for op in page.ops {
            if self.ops.insert(op.id.clone(), op).is_some() {
                self.served_twice += 1;
            }
        }
        self.cursor = page.cursor;
    }

    /// Pulls pages of `limit` until the end of the log: `false` if the server
    /// died before.
    fn pull(&mut self, addr: SocketAddr, token: &str, limit: u64, deadline: &Deadline) -> bool {
        loop {
            let Some(page) = pull_page(addr, token, &self.cursor, limit, deadline) else {
                return false;
            };
            let more = page.more;
            self.take(page);
            if !more {
                return true;
            }
        }
    }
}

/// How long an answered push took, per operation: where to kill the next one.
struct PushTime {
    /// Microseconds per op (a running average) and for the rest of a push.
    per_op_us: f64,
    fixed_us: f64,
}

impl Default for PushTime {
    fn default() -> PushTime {
        // A guess for an unoptimized build until pushes are measured.
        PushTime {
            per_op_us: 700.0,
            fixed_us: 3000.0,
        }
    }
}

impl PushTime {
    fn record(&mut self, ops: usize, took: Duration) {
        let per_op = (took.as_micros() as f64 - self.fixed_us).max(50.0) / ops as f64;
        self.per_op_us = 0.7 * self.per_op_us + 0.3 * per_op;
    }

    /// The kill window for a push of `ops`: up to twice its expected time
    /// (push times vary a lot on a busy machine), at least 0–30 ms.
    fn window_us(&self, ops: usize) -> u64 {
        let expected = self.fixed_us + self.per_op_us * ops as f64;
        ((expected * 2.0) as u64).max(MAX_KILL_DELAY_MS * 1000)
    }
}

fn sign_in(addr: SocketAddr, password: &str, deadline: &Deadline) -> String {
    let body = json!({"username": USERNAME, "password": password, "device": DEVICE,
                      "device_key": DEVICE_KEY})
    .to_string();
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(body.as_bytes()),
        deadline.request("signing in"),
    )
    .expect("sign-in answers");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "sign-in: {body}");
    body["token"].as_str().unwrap().to_owned()
}

/// A region, the branches of the generated complaints (GZ00–GZ06) and an
/// administrator, through the library; returns the password.
fn set_up_database(data_dir: &Path) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = open_db(data_dir).await.unwrap();
        auth::add_region(&db, "SOUTH", "South China").await.unwrap();
        for n in 0..7 {
            let code = format!("GZ{n:02}");
            auth::add_branch(&db, &code, &code, "SOUTH").await.unwrap();
        }
        let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
        let user = NewUser::new(USERNAME, DISPLAY_NAME, "admin", None, None);
        let password = auth::add_user(&db, &user, &params).await.unwrap();
        db.close().await;
        password
    })
}

/// The stored rows after the run: the log `(seq, op_id, record)` and each
/// record's `(state, complaint, updated_seq)`.
type Stored = (
    Vec<(i64, String, String)>,
    BTreeMap<String, (String, Option<String>, i64)>,
);

fn read_database(data_dir: &Path) -> Stored {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = open_db(data_dir).await.unwrap();
        let log = sqlx::query_as("SELECT seq, op_id, record_id FROM ops ORDER BY seq")
            .fetch_all(&db)
            .await
            .unwrap();
        let records: Vec<(String, String, Option<String>, i64)> =
            sqlx::query_as("SELECT id, state, complaint, updated_seq FROM records")
                .fetch_all(&db)
                .await
                .unwrap();
        db.close().await;
        let records = records
            .into_iter()
            .map(|(id, state, complaint, seq)| (id, (state, complaint, seq)))
            .collect();
        (log, records)
    })
}

// ---------------------------------------------------------------------------
// The soak

#[test]
fn fault_soak_kills_the_server_during_pushes() {
    let started = Instant::now();
    let verbose = std::env::var_os("SOAK_VERBOSE").is_some();
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
        });
    println!("fault soak seed: {seed} (repeat with SOAK_SEED={seed})");
    let deadline = Deadline {
        end: started + TIME_LIMIT,
        seed,
    };

    let tmp = tempfile::tempdir().unwrap();
    let mut harness = Harness {
        data_dir: tmp.path().join("data"),
        dist_dir: tmp.path().join("dist"),
        log: tmp.path().join("server.log"),
        deadline,
        starts: 0,
    };
    std::fs::create_dir_all(&harness.dist_dir).unwrap();
    let password = set_up_database(&harness.data_dir);

    let mut server = harness.start();
    let token = sign_in(server.addr, &password, &deadline);
    let mut tablet = Tablet::new(seed);
    let mut rng = Rng(seed ^ 0x5EED_0FF4_17AC_E000);
    // The tablet's view of the log, pulled whole after every restart.
    let mut pulled = Pulled::new();
    // A second device syncing the log from scratch in small pages in the
    // rounds that kill during a pull; it resumes from its cursor after a
    // kill, and starts again from 0 once it has reached the end.
    let mut reader = Pulled::new();
    let mut acknowledged: BTreeSet<String> = BTreeSet::new();
    let mut push_time = PushTime::default();
    let (mut kills, mut pull_kills, mut pulls_cut, mut syncs) = (0, 0, 0, 0);
    let (mut answered, mut committed_unanswered, mut not_committed) = (0, 0, 0);

    for round in 0..ROUNDS {
        let doing = format!("round {round}");
        for _ in 0..=rng.below(8) {
            tablet.make_op();
        }
        let pulling = rng.percent(20);
        let batch: Vec<Op> = {
            let n = (1 + rng.below(MAX_BATCH)) as usize;
            tablet.outbox[..n.min(tablet.outbox.len())].to_vec()
        };
        // A push is killed anywhere from its start to well after its
        // expected end, so that kills fall before, around and after the
        // commit; a pull, within 0–30 ms.
        let window_us = if pulling {
            MAX_KILL_DELAY_MS * 1000
        } else {
            push_time.window_us(batch.len())
        };
        let delay = Duration::from_micros(rng.below(window_us + 1));
        // The ops of the batch the log does not have yet (it was pulled
        // whole after the last restart).
        let fresh: Vec<String> = batch
            .iter()
            .filter(|op| !pulled.ops.contains_key(&op.id))
            .map(|op| op.id.clone())
            .collect();
        let page = 2 + rng.below(9);
        let kill = killer(&server, delay, seed);
        let action_started = Instant::now();
        let (answer, reached_end) = if pulling {
            (None, reader.pull(server.addr, &token, page, &deadline))
        } else {
            (push(server.addr, &token, &batch, &deadline), false)
        };
        let took = action_started.elapsed();
        kill.join()
            .unwrap_or_else(|_| panic!("fault soak (seed {seed}): the killer failed"));
        kills += 1;
        if verbose {
            let what = match (pulling, &answer, reached_end) {
                (true, _, true) => "pull reached the end before the kill".to_owned(),
                (true, _, false) => format!("pull cut at cursor {}", reader.cursor),
                (false, Some(_), _) => format!("push of {} answered", batch.len()),
                (false, None, _) => format!("push of {} unanswered", batch.len()),
            };
            println!("round {round}: kill after {delay:?}: {what} ({took:?})");
        }
        drop(server);
        if pulling {
            pull_kills += 1;
            if reached_end {
                syncs += 1;
                // A whole sync: every op acknowledged so far, each once.
                let missing = acknowledged
                    .iter()
                    .filter(|id| !reader.ops.contains_key(*id))
                    .count();
                assert_eq!(
                    (missing, reader.served_twice),
                    (0, 0),
                    "fault soak (seed {seed}), round {round}: a sync across kills missed \
                     acknowledged ops or got some twice"
                );
                for op in reader.ops.values() {
                    assert!(
                        tablet.made.iter().any(|made| *made == as_made(op)),
                        "fault soak (seed {seed}): a sync got an op that was not made: {op:?}"
                    );
                }
                reader = Pulled::new();
            } else {
                pulls_cut += 1;
            }
        }

        server = harness.start();
        deadline.left(&doing);
        // The log as it stands after the restart.
        assert!(
            pulled.pull(server.addr, &token, 500, &deadline),
            "fault soak (seed {seed}): pull after restart {round} failed; log:\n{}",
            harness.log_tail()
        );
        if !pulling {
            if answer.is_some() {
                answered += 1;
                push_time.record(batch.len(), took);
                acknowledged.extend(batch.iter().map(|op| op.id.clone()));
                tablet.outbox.drain(..batch.len());
            } else {
                // The ops this push brought to the log must all be in it, or none.
                let fresh_in = fresh
                    .iter()
                    .filter(|id| pulled.ops.contains_key(*id))
                    .count();
                assert!(
                    fresh_in == 0 || fresh_in == fresh.len(),
                    "fault soak (seed {seed}), round {round}: a killed push was half \
                     committed: {fresh_in} of the {} ops new to the log are in it \
                     (batch of {})",
                    fresh.len(),
                    batch.len()
                );
                if fresh.is_empty() {
                    // Only retries of ops already in the log: nothing to tell.
                } else if fresh_in > 0 {
                    committed_unanswered += 1;
                } else {
                    not_committed += 1;
                }
            }
        }
        let lost: Vec<&String> = acknowledged
            .iter()
            .filter(|id| !pulled.ops.contains_key(*id))
            .collect();
        assert!(
            lost.is_empty(),
            "fault soak (seed {seed}), round {round}: acknowledged ops missing from the log \
             after a restart: {lost:?}"
        );
    }

    // Everything left, without kills.
    while !tablet.outbox.is_empty() {
        let n = tablet.outbox.len().min(MAX_BATCH as usize);
        let batch = tablet.outbox[..n].to_vec();
        let answer = push(server.addr, &token, &batch, &deadline);
        assert!(
            answer.is_some(),
            "fault soak (seed {seed}): the final push got no answer; log:\n{}",
            harness.log_tail()
        );
        acknowledged.extend(batch.iter().map(|op| op.id.clone()));
        tablet.outbox.drain(..n);
    }
    assert!(pulled.pull(server.addr, &token, 500, &deadline));

    // The whole log, from the beginning, in pages.
    let mut log: Vec<Op> = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let page =
            pull_page(server.addr, &token, &cursor, 97, &deadline).expect("the final pull answers");
        log.extend(page.ops);
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    drop(server);
    let (rows, records) = read_database(&harness.data_dir);

    // --- The checks. First what was lost or applied twice (for the summary
    // line), then everything else.
    let made: HashMap<&str, &Op> = tablet.made.iter().map(|op| (op.id.as_str(), op)).collect();
    assert_eq!(made.len(), tablet.made.len(), "op ids are unique");
    let mut problems: Vec<String> = Vec::new();
    let mut served: HashMap<&str, usize> = HashMap::new();
    for op in &log {
        *served.entry(op.id.as_str()).or_default() += 1;
        match made.get(op.id.as_str()) {
            None => problems.push(format!("the log has an op the tablet never made: {op:?}")),
            Some(original) if **original != as_made(op) || op.received.is_none() => {
                problems.push(format!(
                    "op {} in the log differs from the one made (or has no receipt time): {op:?}",
                    op.id
                ))
            }
            Some(_) => {}
        }
    }
    let mut in_table: HashMap<&str, usize> = HashMap::new();
    for (_, id, _) in &rows {
        *in_table.entry(id.as_str()).or_default() += 1;
    }
    let mut states: BTreeMap<&str, RecordState> = BTreeMap::new();
    for (id, (state_json, _, _)) in &records {
        match serde_json::from_str(state_json) {
            Ok(state) => {
                states.insert(id.as_str(), state);
            }
            Err(error) => problems.push(format!("record {id}: its state does not read: {error}")),
        }
    }
    // Lost: not served by a pull, not in the `ops` table, or not in its
    // record's stored state.
    let lost: BTreeSet<&str> = tablet
        .made
        .iter()
        .filter(|op| {
            let in_state = states
                .get(op.record.as_str())
                .is_some_and(|state| state.ops.contains_key(&op.id));
            !served.contains_key(op.id.as_str())
                || !in_table.contains_key(op.id.as_str())
                || !in_state
        })
        .map(|op| op.id.as_str())
        .collect();
    // Applied twice: in the log twice, or a timeline entry twice in its complaint.
    let mut twice: BTreeSet<String> = served
        .iter()
        .chain(in_table.iter())
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id.to_string())
        .collect();
    let mut complaints = BTreeMap::new();
    for (id, state) in &states {
        match state.materialize() {
            Ok(complaint) => {
                let mut entries = BTreeSet::new();
                for entry in &complaint.timeline {
                    if !entries.insert(entry.id.as_str()) {
                        twice.insert(format!("{id}/tl.{}", entry.id));
                    }
                }
                complaints.insert(*id, complaint);
            }
            Err(error) => problems.push(format!("record {id} does not materialize: {error}")),
        }
    }

    let secs = started.elapsed().as_secs_f64();
    println!(
        "fault soak: {ROUNDS} rounds, {kills} kills, {} ops, {} lost, {} applied twice",
        tablet.made.len(),
        lost.len(),
        twice.len()
    );
    println!(
        "fault soak detail: seed {seed}; {} server starts; pushes killed: {answered} after \
         their answer, {committed_unanswered} committed but unanswered, {not_committed} before \
         commit; {pull_kills} kills during a pull ({pulls_cut} cut short, {syncs} syncs from \
         scratch completed); {} complaints, log of {} ops; {secs:.1} s",
        harness.starts,
        records.len(),
        rows.len()
    );
    assert!(
        lost.is_empty(),
        "fault soak (seed {seed}): ops lost: {lost:?}"
    );
    assert!(
        twice.is_empty(),
        "fault soak (seed {seed}): applied twice: {twice:?}"
    );
    assert!(
        problems.is_empty(),
        "fault soak (seed {seed}): {}",
        problems.join("\n")
    );

    // Each record: the tablet's copy, the state folded from the log, the
    // stored complaint, the seq of its newest op.
    assert_eq!(
        records.keys().collect::<Vec<_>>(),
        tablet.records.keys().collect::<Vec<_>>(),
        "the server has exactly the tablet's records"
    );
    let mut folded: BTreeMap<&str, RecordState> = BTreeMap::new();
    for op in &log {
        folded
            .entry(op.record.as_str())
            .or_insert_with(|| RecordState::new(&op.record))
            .apply(op);
    }
    let last_seq: BTreeMap<&str, i64> = rows
        .iter()
        .map(|(seq, _, record)| (record.as_str(), *seq))
        .collect();
    for (id, (_, complaint_json, updated_seq)) in &records {
        let id = id.as_str();
        let (state, mine) = (&states[id], &tablet.records[id]);
        assert_eq!(
            state.ops.keys().collect::<Vec<_>>(),
            mine.ops.keys().collect::<Vec<_>>(),
            "record {id}: the ops in its state"
        );
        assert_eq!(
            &without_receipts(state),
            mine,
            "record {id}: the server's state is the tablet's (but for the receipt times)"
        );
        assert!(
            state.ops.values().all(|meta| meta.received.is_some()),
            "record {id}: every op has its receipt time"
        );
        assert_eq!(state, &folded[id], "record {id}: the state is the log's");
        assert_eq!(*updated_seq, last_seq[id], "record {id}: updated_seq");
        let made_entries = mine
            .fields
            .keys()
            .filter(|key| key.starts_with(TIMELINE_PREFIX))
            .count();
        assert_eq!(
            complaints[id].timeline.len(),
            made_entries,
            "record {id}: timeline entries"
        );
        let stored: Value =
            serde_json::from_str(complaint_json.as_deref().expect("a complaint")).unwrap();
        assert_eq!(
            stored,
            serde_json::to_value(&complaints[id]).unwrap(),
            "record {id}: the stored complaint is the materialized state"
        );
    }
    // The tablet's pulls, one after each restart, saw the whole log once.
    let pulled_ids: BTreeSet<&String> = pulled.ops.keys().collect();
    let log_ids: BTreeSet<&String> = log.iter().map(|op| &op.id).collect();
    assert_eq!(
        pulled_ids, log_ids,
        "pulling across the kills got the whole log"
    );
    assert_eq!(pulled.served_twice, 0, "a pull served an op again");
    assert_eq!(log.len(), tablet.made.len());
}
