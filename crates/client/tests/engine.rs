//! The sync engine, natively: an in-memory store, a scripted server that
//! answers from a queue and records every request, and a clock the test
//! sets. Each module is one part of the engine's contract; the last runs
//! two devices through a small server that checks and merges operations
//! the way the real one does.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use complaints_client::{
    settings, Api, ApiError, Backoff, ChangeError, Engine, Env, Progress, SyncFailure, SyncProblem,
    SyncReport,
};
use complaints_domain::access::Role;
use complaints_domain::answers::{self, record_id, Audience};
use complaints_domain::handling::{tick_step, Actor, HandlingError};
use complaints_domain::kpi::Kpi;
use complaints_domain::pdca::PdcaItem;
use complaints_domain::session::{ScopeWire, Session, SessionUser, SignInNotice, Validity};
use complaints_domain::store::{edit_draft_key, ComplaintStore};
use complaints_domain::sync::{
    local_change, Hlc, Op, OpResult, Outcome, PullResponse, PushRequest, PushResponse, RejectCode,
    Rejection, Stamp, MAX_CLOCK_AHEAD_MS,
};
use complaints_domain::{fixtures, Complaint, ComplaintForm, MemoryStore, OutboxEntry, Status};
use futures::executor::block_on;

// ---- The test's world ---------------------------------------------------

/// The server's clock in every test: 2026-11-23 10:00 UTC.
fn server_ms() -> i64 {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .expect("valid time")
        .timestamp_millis()
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("valid time")
}

const HOUR_MS: i64 = 3_600_000;

/// A clock the test sets and a predictable stream of "random" bytes.
struct TestEnv {
    wall_ms: Cell<i64>,
    seed: Cell<u64>,
}

impl TestEnv {
    fn at(wall_ms: i64) -> TestEnv {
        TestEnv {
            wall_ms: Cell::new(wall_ms),
            seed: Cell::new(wall_ms as u64),
        }
    }
}

impl Env for TestEnv {
    fn wall_ms(&self) -> i64 {
        self.wall_ms.get()
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            // splitmix64: distinct for every call, the same in every run.
            let mut z = self.seed.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            self.seed.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
        }
    }
}

type PushAnswer = Box<dyn FnOnce(&PushRequest) -> Result<PushResponse, ApiError>>;

enum Answer {
    Push(PushAnswer),
    Pull(Result<PullResponse, ApiError>),
    Logout(Result<(), ApiError>),
}

/// A request the engine made.
#[derive(Debug, Clone)]
enum Request {
    Push {
        token: String,
        request: PushRequest,
    },
    Pull {
        token: String,
        cursor: String,
        device: String,
        limit: u32,
    },
    Logout {
        token: String,
    },
}

/// A server that answers from a script, in order, and records every request.
/// A request the script does not expect fails the test.
#[derive(Default)]
struct Server {
    script: RefCell<VecDeque<Answer>>,
    requests: RefCell<Vec<Request>>,
}

impl Server {
    /// The next push is answered by `judge`: `None` accepts an operation,
    /// `Some(reason)` refuses it.
    fn on_push(&self, judge: impl Fn(&Op) -> Option<Rejection> + 'static) {
        self.script
            .borrow_mut()
            .push_back(Answer::Push(Box::new(move |request: &PushRequest| {
                Ok(PushResponse {
                    results: request
                        .ops
                        .iter()
                        .map(|op| OpResult {
                            id: op.id.clone(),
                            outcome: match judge(op) {
                                None => Outcome::Accepted,
                                Some(reason) => Outcome::Rejected { reason },
                            },
                        })
                        .collect(),
                    server_time: at(server_ms()),
                })
            })));
    }

    /// The next push is answered by `answer`, whatever it holds.
    fn on_push_answer(
        &self,
        answer: impl FnOnce(&PushRequest) -> Result<PushResponse, ApiError> + 'static,
    ) {
        self.script
            .borrow_mut()
            .push_back(Answer::Push(Box::new(answer)));
    }

    fn accept_next_push(&self) {
        self.on_push(|_| None);
    }

    fn on_pull(&self, page: Result<PullResponse, ApiError>) {
        self.script.borrow_mut().push_back(Answer::Pull(page));
    }

    /// The next pull finds nothing new.
    fn nothing_to_pull(&self) {
        self.on_pull(Ok(page(vec![], "0", false, 0)));
    }

    fn on_logout(&self, answer: Result<(), ApiError>) {
        self.script.borrow_mut().push_back(Answer::Logout(answer));
    }

    /// The tokens the engine asked to revoke, in order.
    fn logouts(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Logout { token } => Some(token),
                _ => None,
            })
            .collect()
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.borrow().clone()
    }

    fn pushes(&self) -> Vec<PushRequest> {
        self.requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Push { request, .. } => Some(request),
                _ => None,
            })
            .collect()
    }

    fn pulled_after(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Pull { cursor, .. } => Some(cursor),
                _ => None,
            })
            .collect()
    }

    fn script_is_done(&self) -> bool {
        self.script.borrow().is_empty()
    }
}

impl Api for Server {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        self.requests.borrow_mut().push(Request::Push {
            token: token.into(),
            request: request.clone(),
        });
        let next = self.script.borrow_mut().pop_front();
        match next {
            Some(Answer::Push(answer)) => answer(request),
            Some(_) => panic!("a push came where the script expects something else"),
            None => panic!("an unexpected push: {:?}", request.ops.len()),
        }
    }

    async fn pull(
        &self,
        token: &str,
        cursor: &str,
        device: &str,
        limit: u32,
    ) -> Result<PullResponse, ApiError> {
        self.requests.borrow_mut().push(Request::Pull {
            token: token.into(),
            cursor: cursor.into(),
            device: device.into(),
            limit,
        });
        let next = self.script.borrow_mut().pop_front();
        match next {
            Some(Answer::Pull(page)) => page,
            Some(_) => panic!("a pull came where the script expects something else"),
            None => panic!("an unexpected pull after {cursor:?}"),
        }
    }

    async fn logout(&self, token: &str) -> Result<(), ApiError> {
        self.requests.borrow_mut().push(Request::Logout {
            token: token.into(),
        });
        let next = self.script.borrow_mut().pop_front();
        match next {
            Some(Answer::Logout(answer)) => answer,
            Some(_) => panic!("a logout came where the script expects something else"),
            None => panic!("an unexpected logout"),
        }
    }
}

fn page(ops: Vec<Op>, cursor: &str, more: bool, remaining: u64) -> PullResponse {
    PullResponse {
        ops,
        cursor: cursor.into(),
        more,
        remaining,
        removed: vec![],
        withdrawn: vec![],
        server_time: at(server_ms()),
    }
}

fn refusal(code: RejectCode) -> Rejection {
    Rejection::new(code, None, "")
}

/// An engine over an in-memory store and a test clock, talking to `A`
/// (the scripted [`Server`] unless said otherwise).
type TestEngine<A = Server> = Engine<MemoryStore, A, TestEnv>;

const TOKEN: &str = "token-of-the-session";

/// An engine on a fresh device whose clock reads `wall_ms`.
fn device_at(wall_ms: i64) -> TestEngine {
    block_on(Engine::open(
        Rc::new(MemoryStore::new()),
        Server::default(),
        TestEnv::at(wall_ms),
    ))
    .expect("open")
}

fn device() -> TestEngine {
    device_at(server_ms())
}

/// An engine over `store` (a device restarted keeps its store) whose clock
/// reads `wall_ms`.
fn open_on(store: &Rc<MemoryStore>, wall_ms: i64) -> TestEngine {
    block_on(Engine::open(
        store.clone(),
        Server::default(),
        TestEnv::at(wall_ms),
    ))
    .expect("open")
}

/// The kept session of a staff member of BJ01, ending at `expires_ms`.
fn session_until(expires_ms: i64) -> Session {
    Session {
        token: TOKEN.into(),
        expires_at: at(expires_ms),
        user: SessionUser {
            username: "zhang.wei".into(),
            display_name: "张伟".into(),
            role: Role::Staff,
            branch_code: Some("BJ01".into()),
            region_code: None,
        },
        scope: ScopeWire {
            kind: "branches".into(),
            branches: vec!["BJ01".into()],
        },
        server_time: at(server_ms()),
    }
}

fn is_valid(validity: Validity) -> bool {
    matches!(validity, Validity::Valid { .. })
}

const DAY_MS: i64 = 24 * HOUR_MS;

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("utc")
}

/// The intake form of a valid complaint (the domain's worked example).
fn intake(customer: &str) -> ComplaintForm {
    let mut c = fixtures::worked_example("x", at(server_ms() - HOUR_MS));
    c.customer_name = customer.into();
    ComplaintForm::from_complaint(&c, utc())
}

fn create<A: Api>(engine: &TestEngine<A>, customer: &str) -> Complaint {
    block_on(engine.create(&intake(customer), utc(), Some("intake"))).expect("create")
}

/// Sets the complaint's tracking note: one queued edit.
fn track<A: Api>(engine: &TestEngine<A>, id: &str, note: &str) -> Complaint {
    let note = note.to_string();
    block_on(engine.handle(id, move |c, _, _| {
        let mut next = c.clone();
        next.tracking = note;
        Ok(next)
    }))
    .expect("edit")
}

fn sync<A: Api>(engine: &TestEngine<A>) -> Result<SyncReport, SyncFailure> {
    block_on(engine.sync_once(TOKEN, |_| {}))
}

/// One sync, and what it told as it ran.
fn sync_told<S, A, E>(engine: &Engine<S, A, E>) -> (Result<SyncReport, SyncFailure>, Vec<Progress>)
where
    S: ComplaintStore + complaints_domain::store::RecordStore,
    A: Api,
    E: Env,
{
    let mut progress = Vec::new();
    let result = block_on(engine.sync_once(TOKEN, |p| progress.push(p)));
    (result, progress)
}

/// What a sync told as it ran, in short: `pushed 500`, `pulling 2/5`,
/// `gone x`, `stored x y` (the stored complaints' ids).
fn told(progress: &[Progress]) -> Vec<String> {
    let mut out = Vec::new();
    for p in progress {
        match p {
            Progress::Pushed { sent } => out.push(format!("pushed {sent}")),
            Progress::Pulling { received, total } => {
                out.push(format!("pulling {received}/{total}"))
            }
            Progress::Stored { gone, complaints } => {
                if !gone.is_empty() {
                    out.push(format!("gone {}", gone.join(" ")));
                }
                if !complaints.is_empty() {
                    let ids: Vec<&str> = complaints.iter().map(|c| c.id.as_str()).collect();
                    out.push(format!("stored {}", ids.join(" ")));
                }
            }
        }
    }
    out
}

/// The complaints a sync's progress handed over, the last of each id.
fn handed_over(progress: &[Progress]) -> Vec<Complaint> {
    let mut out: Vec<Complaint> = Vec::new();
    for p in progress {
        if let Progress::Stored { complaints, .. } = p {
            for c in complaints {
                out.retain(|had| had.id != c.id);
                out.push(c.clone());
            }
        }
    }
    out
}

fn outbox<A: Api>(engine: &TestEngine<A>) -> Vec<OutboxEntry> {
    block_on(engine.store().outbox()).expect("outbox")
}

fn queued_ids<A: Api>(engine: &TestEngine<A>) -> Vec<String> {
    outbox(engine).into_iter().map(|e| e.op.id).collect()
}

/// The queued operations of `record`, in order.
fn ops_of<A: Api>(engine: &TestEngine<A>, record: &str) -> Vec<Op> {
    outbox(engine)
        .into_iter()
        .filter(|e| e.op.record == record)
        .map(|e| e.op)
        .collect()
}

fn complaint<A: Api>(engine: &TestEngine<A>, id: &str) -> Option<Complaint> {
    block_on(engine.store().get_complaint(id)).expect("get")
}

/// A creation made on another device, as a pull brings it.
fn theirs(id: &str, op: &str, wall_ms: i64) -> Op {
    let c = fixtures::worked_example(id, at(server_ms() - HOUR_MS));
    let stamp = Stamp {
        op_id: op.into(),
        hlc: Hlc::new(wall_ms as u64, 0),
        device: "other-device".into(),
        user: Some("wang".into()),
    };
    local_change(None, None, &c, stamp)
        .expect("valid")
        .expect("a change")
        .op
}

// ---- The cases ----------------------------------------------------------

/// How long to wait after failures.
mod backoff {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_to_the_five_minute_cap() {
        let mut backoff = Backoff::new();
        let delays: Vec<u64> = (0..12).map(|_| backoff.failed(1.0).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]);
        assert_eq!(backoff.failures(), 12);
        // Many more failures never overflow, nor pass the cap.
        for _ in 0..100 {
            assert_eq!(backoff.failed(1.0), Backoff::MAX);
        }
    }

    #[test]
    fn jitter_scales_the_delay_between_half_and_one_and_a_half_times() {
        let first = |jitter: f64| Backoff::new().failed(jitter);
        assert_eq!(first(0.5), Duration::from_secs(1));
        assert_eq!(first(1.25), Duration::from_millis(2_500));
        assert_eq!(first(1.499), Duration::from_millis(2_998));
        // Out of range or not a number: held to the bounds, never zero or huge.
        assert_eq!(first(0.0), Duration::from_secs(1));
        assert_eq!(first(7.0), Duration::from_secs(3));
        assert_eq!(first(f64::NAN), Duration::from_secs(2));
        let mut capped = Backoff::new();
        for _ in 0..9 {
            capped.failed(1.0);
        }
        assert_eq!(capped.failed(1.499), Duration::from_millis(449_700));
        assert_eq!(capped.failed(0.5), Duration::from_secs(150));
    }

    #[test]
    fn backoff_starts_again_from_two_seconds_after_a_success() {
        let mut backoff = Backoff::new();
        for _ in 0..6 {
            backoff.failed(1.0);
        }
        backoff.succeeded();
        assert_eq!(backoff.failures(), 0);
        assert_eq!(backoff.failed(1.0), Duration::from_secs(2));
        assert_eq!(backoff.failed(1.0), Duration::from_secs(4));
    }
}

/// The device's identity, its clock and what it finds on first start.
mod opening {
    use super::*;

    #[test]
    fn the_device_identity_is_made_once_and_kept() {
        let store = Rc::new(MemoryStore::new());
        let first = block_on(Engine::open(
            store.clone(),
            Server::default(),
            TestEnv::at(server_ms()),
        ))
        .expect("open");
        let again = block_on(Engine::open(
            store,
            Server::default(),
            TestEnv::at(server_ms() + 99),
        ))
        .expect("reopen");
        assert_eq!(first.device(), again.device());
        let id = uuid::Uuid::parse_str(&first.device().id).expect("a UUID");
        assert_eq!(id.get_version_num(), 4);
        assert_eq!(
            first.device().tag,
            complaints_domain::case_number::device_tag(&id)
        );
        assert_ne!(
            device_at(server_ms() + 1).device().id,
            first.device().id,
            "another device, another id"
        );
    }

    #[test]
    fn the_clock_and_the_offset_are_kept_across_restarts() {
        let store = Rc::new(MemoryStore::new());
        // This tablet runs an hour slow; the server's time corrects it.
        let slow = server_ms() - HOUR_MS;
        let engine = block_on(Engine::open(
            store.clone(),
            Server::default(),
            TestEnv::at(slow),
        ))
        .expect("open");
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        create(&engine, "张三");
        let last = engine.last_stamp();

        let reopened =
            block_on(Engine::open(store, Server::default(), TestEnv::at(slow))).expect("reopen");
        assert_eq!(reopened.offset_ms(), HOUR_MS);
        assert_eq!(reopened.clock_now(), at(server_ms()));
        assert_eq!(reopened.last_stamp(), last);
        assert!(reopened.stamp().hlc > last);
    }

    #[test]
    fn complaints_saved_before_sync_existed_are_queued_once() {
        let store = Rc::new(MemoryStore::new());
        let old = fixtures::worked_example("from-version-1", at(server_ms() - HOUR_MS));
        block_on(store.save_complaint(&old, None)).expect("save");
        let engine = block_on(Engine::open(
            store.clone(),
            Server::default(),
            TestEnv::at(server_ms()),
        ))
        .expect("open");
        let queued = ops_of(&engine, "from-version-1");
        assert_eq!(queued.len(), 1);
        assert!(queued[0]
            .set
            .contains_key(complaints_domain::sync::CREATED_AT));
        let adopted = complaint(&engine, "from-version-1").expect("kept");
        // As it was, but for the time of its last change: its operation's.
        assert_eq!(
            Complaint {
                updated_at: old.updated_at,
                ..adopted
            },
            old
        );

        block_on(Engine::open(
            store,
            Server::default(),
            TestEnv::at(server_ms()),
        ))
        .expect("reopen");
        assert_eq!(outbox(&engine).len(), 1, "adopted once, not at every start");
    }
}

/// Local writes: one stamped operation each.
mod writing {
    use super::*;

    #[test]
    fn a_new_complaint_is_numbered_by_branch_day_device_and_sequence() {
        let engine = device();
        let first = create(&engine, "张三");
        let second = create(&engine, "李四");
        let tag = &engine.device().tag;
        assert_eq!(first.case_number, format!("BJ01-20261123-{tag}-0001"));
        assert_eq!(second.case_number, format!("BJ01-20261123-{tag}-0002"));
        assert_ne!(first.id, second.id);
        assert_eq!(first.created_on_device, engine.device().id);
        assert_eq!(queued_ids(&engine).len(), 2);
    }

    #[test]
    fn an_invalid_intake_form_writes_nothing() {
        let engine = device();
        let mut form = intake("张三");
        form.customer_name.clear();
        let result = block_on(engine.create(&form, utc(), None));
        assert!(matches!(result, Err(ChangeError::Invalid(_))), "{result:?}");
        assert!(outbox(&engine).is_empty());
    }

    #[test]
    fn stamps_carry_the_signed_in_user_and_grow() {
        let engine = device();
        let before = engine.stamp();
        assert_eq!(before.user, None);
        engine.set_user(Some("li".into()));
        let c = create(&engine, "张三");
        let op = &ops_of(&engine, &c.id)[0];
        assert_eq!(op.user.as_deref(), Some("li"));
        assert_eq!(op.device, engine.device().id);
        assert!(op.hlc > before.hlc);
    }

    #[test]
    fn an_edit_that_changes_nothing_queues_nothing_and_drops_the_draft() {
        let engine = device();
        let c = create(&engine, "张三");
        let form = ComplaintForm::from_complaint(&c, utc());
        let draft = edit_draft_key(&c.id);
        block_on(engine.store().save_draft(&draft, &form)).expect("draft");
        let actor = Actor {
            name: "李".into(),
            device: engine.device().id.clone(),
        };
        let saved = block_on(engine.save_edit(&c, &form, utc(), &actor)).expect("save");
        assert_eq!(saved, None);
        assert_eq!(outbox(&engine).len(), 1, "only the creation");
        assert_eq!(
            block_on(engine.store().load_draft(&draft)).expect("draft"),
            None
        );
    }

    #[test]
    fn an_edit_sends_only_what_changed_and_a_status_change_goes_on_the_timeline() {
        let engine = device();
        let c = create(&engine, "张三");
        let mut form = ComplaintForm::from_complaint(&c, utc());
        form.tracking = "已联系顾客".into();
        form.status = Status::Hold.as_str().into();
        let actor = Actor {
            name: "李".into(),
            device: engine.device().id.clone(),
        };
        let saved = block_on(engine.save_edit(&c, &form, utc(), &actor))
            .expect("save")
            .expect("a change");
        assert_eq!(saved.tracking, "已联系顾客");
        assert_eq!(saved.timeline.len(), c.timeline.len() + 1);
        let edit = ops_of(&engine, &c.id).pop().expect("the edit");
        let mut keys: Vec<&str> = edit
            .set
            .keys()
            .map(String::as_str)
            .filter(|k| !k.starts_with("tl."))
            .collect();
        keys.sort();
        assert_eq!(keys, ["status", "tracking"]);
    }

    #[test]
    fn a_handling_rule_that_says_no_writes_nothing() {
        let engine = device();
        let c = create(&engine, "张三");
        let actor = Actor {
            name: "李".into(),
            device: engine.device().id.clone(),
        };
        let ticked = block_on(engine.handle(&c.id, |c, _, now| tick_step(c, 1, true, &actor, now)))
            .expect("tick");
        assert!(ticked.steps.contains_key(&1));
        let again = block_on(engine.handle(&c.id, |c, _, now| tick_step(c, 1, true, &actor, now)));
        assert!(
            matches!(again, Err(ChangeError::Rule(HandlingError::Unchanged))),
            "{again:?}"
        );
        assert_eq!(outbox(&engine).len(), 2, "the creation and the one tick");
        let missing = block_on(engine.handle("no-such-id", |c, _, _| Ok(c.clone())));
        assert!(
            matches!(missing, Err(ChangeError::NotFound(_))),
            "{missing:?}"
        );
    }

    #[test]
    fn a_pdca_row_is_queued_only_when_it_changes() {
        let engine = device();
        let mut row = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-11");
        row.target = Some(95.0);
        assert!(block_on(engine.save_plan(&row)).expect("save"));
        assert!(!block_on(engine.save_plan(&row)).expect("save again"));
        row.owner = "王经理".into();
        assert!(block_on(engine.save_plan(&row)).expect("save a change"));
        assert_eq!(block_on(engine.plans()).expect("plans"), vec![row.clone()]);
        let ops = ops_of(&engine, &row.id());
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1].set.keys().collect::<Vec<_>>(), ["owner"]);
    }

    #[test]
    fn an_answer_keeps_its_author_and_goes_one_version_up_at_each_saved_change() {
        let engine = device();
        let mut answer = answers::Answer {
            id: record_id(&Audience::Region("EAST".into()), "brake"),
            title: "高速制动时方向盘抖动".into(),
            keywords: vec!["刹车抖动".into()],
            answer: "检查并成对更换制动盘。".into(),
            ..answers::Answer::default()
        };
        assert!(block_on(engine.save_answer(&answer, "赵经理")).expect("save"));
        let saved = block_on(engine.answers()).expect("answers").remove(0);
        assert_eq!(
            (saved.author.as_str(), saved.editor.as_str(), saved.version),
            ("赵经理", "赵经理", 1)
        );
        assert!(!saved.updated_at.is_empty());
        // Saving what is there queues nothing.
        assert!(!block_on(engine.save_answer(&saved, "赵经理")).expect("save again"));
        answer = saved.clone();
        answer.steps = vec!["请客户低速轻踩刹车".into()];
        assert!(block_on(engine.save_answer(&answer, "王经理")).expect("save a change"));
        let edited = block_on(engine.answers()).expect("answers").remove(0);
        assert_eq!(
            (
                edited.author.as_str(),
                edited.editor.as_str(),
                edited.version
            ),
            ("赵经理", "王经理", 2)
        );
        assert_eq!(edited.steps, answer.steps);
        let ops = ops_of(&engine, &answer.id);
        assert_eq!(ops.len(), 2);
        let mut keys: Vec<&str> = ops[1].set.keys().map(String::as_str).collect();
        keys.sort_unstable();
        // (`updated_at` too when the clock moved; this test's clock stands still.)
        keys.retain(|k| *k != "updated_at");
        assert_eq!(keys, ["editor", "steps", "version"]);
        // Answers are not PDCA rows.
        assert!(block_on(engine.plans()).expect("plans").is_empty());
    }
}

/// Push: every operation gets its own answer.
mod pushing {
    use super::*;

    #[test]
    fn a_refused_change_never_blocks_the_queue() {
        let engine = device();
        let a = create(&engine, "甲");
        let b = create(&engine, "乙");
        let c = create(&engine, "丙");
        let refused_id = ops_of(&engine, &b.id)[0].id.clone();
        let refused_record = b.id.clone();
        let reason = Rejection::new(RejectCode::InvalidValue, Some("phone"), "not a number");
        let given = reason.clone();
        engine
            .api()
            .on_push(move |op| (op.record == refused_record).then(|| given.clone()));
        engine.api().nothing_to_pull();

        let report = sync(&engine).expect("sync");

        assert_eq!(report.accepted, 2);
        assert_eq!(report.refused, vec![refused_id.clone()]);
        let left = outbox(&engine);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].op.id, refused_id);
        assert_eq!(left[0].rejection, Some(reason));
        let status = block_on(engine.outbox_status()).expect("status");
        assert_eq!(status.pending, 0);
        assert_eq!(status.refused, left);
        // The records stay as they are, the refused one included.
        for id in [&a.id, &b.id, &c.id] {
            assert!(complaint(&engine, id).is_some());
        }
        // A refused change waits for the user: it is not sent again.
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync again");
        assert_eq!(engine.api().pushes().len(), 1);
    }

    #[test]
    fn a_sync_with_nothing_queued_sends_no_push() {
        let engine = device();
        engine.api().nothing_to_pull();
        let report = sync(&engine).expect("sync");
        assert_eq!(report, SyncReport::default());
        let requests = engine.api().requests();
        assert_eq!(requests.len(), 1, "{requests:?}");
        assert!(matches!(&requests[0], Request::Pull { .. }));
    }

    #[test]
    fn pushes_go_in_batches_of_five_hundred_each_settled_on_its_own() {
        let engine = device();
        // Many records rather than many edits of one: a field's 500
        // versions would make this test slow, not more telling.
        for n in 0..501 {
            create(&engine, &format!("顾客 {n}"));
        }
        engine.api().accept_next_push();
        // The second batch fails: the first stays settled.
        engine
            .api()
            .on_push_answer(|_| Err(ApiError::Unreachable("offline".into())));
        let mut progress = Vec::new();
        let failed = block_on(engine.sync_once(TOKEN, |p| progress.push(p)));
        assert!(matches!(
            failed,
            Err(SyncFailure::Api(ApiError::Unreachable(_)))
        ));
        let sizes: Vec<usize> = engine.api().pushes().iter().map(|p| p.ops.len()).collect();
        assert_eq!(sizes, [500, 1]);
        assert_eq!(progress, [Progress::Pushed { sent: 500 }]);
        assert_eq!(outbox(&engine).len(), 1);
        let device_id = engine.device().id.clone();
        assert!(engine.api().requests().iter().all(|r| matches!(
            r,
            Request::Push { token, request } if token == TOKEN && request.device == device_id
        )));
    }
}

/// An edit of a complaint the server has not seen created yet.
mod waiting_for_creation {
    use super::*;

    #[test]
    fn an_edit_refused_as_unknown_record_waits_while_its_creation_is_refused() {
        let engine = device();
        let c = create(&engine, "张三");
        track(&engine, &c.id, "已联系顾客");
        let [creation, edit] = <[Op; 2]>::try_from(ops_of(&engine, &c.id)).expect("two ops");
        let creation_id = creation.id.clone();
        engine.api().on_push(move |op| {
            Some(if op.id == creation_id {
                refusal(RejectCode::Forbidden)
            } else {
                refusal(RejectCode::UnknownRecord)
            })
        });
        engine.api().nothing_to_pull();

        let report = sync(&engine).expect("sync");

        assert_eq!(report.refused, vec![creation.id.clone()]);
        let left = outbox(&engine);
        assert_eq!(left.len(), 2);
        assert_eq!(left[1].op.id, edit.id);
        assert_eq!(left[1].rejection, None, "the edit waits; it is not refused");
        let status = block_on(engine.outbox_status()).expect("status");
        assert_eq!(status.pending, 1);

        // Next time the edit goes again (the refused creation does not).
        engine
            .api()
            .on_push(|_| Some(refusal(RejectCode::UnknownRecord)));
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync again");
        let pushes = engine.api().pushes();
        assert_eq!(pushes.len(), 2);
        assert_eq!(pushes[1].ops, vec![edit]);
        assert_eq!(outbox(&engine)[1].rejection, None);
    }

    #[test]
    fn an_edit_refused_as_unknown_record_waits_while_its_creation_is_still_queued() {
        let engine = device();
        let c = create(&engine, "张三");
        track(&engine, &c.id, "已联系顾客");
        let edit = ops_of(&engine, &c.id)[1].id.clone();
        // The server answers for the edit only: the creation is still queued.
        let refused_edit = edit.clone();
        engine.api().on_push_answer(move |_| {
            Ok(PushResponse {
                results: vec![OpResult {
                    id: refused_edit,
                    outcome: Outcome::Rejected {
                        reason: refusal(RejectCode::UnknownRecord),
                    },
                }],
                server_time: at(server_ms()),
            })
        });
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        let status = block_on(engine.outbox_status()).expect("status");
        assert_eq!(status.pending, 2);
        assert!(status.refused.is_empty());
    }

    #[test]
    fn an_edit_refused_as_unknown_record_without_its_creation_queued_is_refused() {
        let engine = device();
        // The complaint came from another device; the server refuses the edit.
        engine.api().on_pull(Ok(page(
            vec![theirs("pulled", "op-theirs", server_ms())],
            "1",
            false,
            0,
        )));
        sync(&engine).expect("first pull");
        track(&engine, "pulled", "已联系顾客");
        engine
            .api()
            .on_push(|_| Some(refusal(RejectCode::UnknownRecord)));
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        let status = block_on(engine.outbox_status()).expect("status");
        assert_eq!(status.pending, 0);
        assert_eq!(status.refused.len(), 1);
    }
}

/// What the user may do with a refused change.
mod refusals {
    use super::*;

    #[test]
    fn discarding_a_refused_creation_discards_the_records_later_edits_and_the_record() {
        let engine = device();
        let c = create(&engine, "张三");
        track(&engine, &c.id, "已联系顾客");
        track(&engine, &c.id, "已到店检查");
        let other = create(&engine, "李四");
        let creation = ops_of(&engine, &c.id)[0].id.clone();
        let refused = creation.clone();
        engine.api().on_push(move |op| {
            if op.id == refused {
                Some(refusal(RejectCode::Forbidden))
            } else if op.set.contains_key(complaints_domain::sync::CREATED_AT) {
                None
            } else {
                Some(refusal(RejectCode::UnknownRecord))
            }
        });
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        assert_eq!(ops_of(&engine, &c.id).len(), 3);

        let back = block_on(engine.discard_refused(&creation)).expect("discard");

        assert_eq!(back, None);
        assert!(
            ops_of(&engine, &c.id).is_empty(),
            "the later edits went too"
        );
        assert_eq!(complaint(&engine, &c.id), None);
        let listed = block_on(engine.store().list_complaints()).expect("list");
        assert_eq!(listed.complaints, vec![other]);
    }

    #[test]
    fn discarding_a_refused_edit_restores_the_record_without_it() {
        let engine = device();
        let c = create(&engine, "张三");
        engine.api().accept_next_push();
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        track(&engine, &c.id, "顾客要求退车");
        let edit = ops_of(&engine, &c.id)[0].id.clone();
        engine
            .api()
            .on_push(|_| Some(refusal(RejectCode::InvalidValue)));
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");

        let back = block_on(engine.discard_refused(&edit))
            .expect("discard")
            .expect("still a complaint");

        assert_eq!(back.tracking, c.tracking);
        assert_eq!(
            complaint(&engine, &c.id).expect("kept").tracking,
            c.tracking
        );
        assert!(outbox(&engine).is_empty());
    }

    #[test]
    fn reapplying_a_clock_ahead_refusal_restamps_it_and_the_records_later_changes_in_order() {
        // A tablet whose clock runs 3 h fast: the server refuses its stamps.
        let engine = device_at(server_ms() + 3 * HOUR_MS);
        let c = create(&engine, "张三");
        track(&engine, &c.id, "已联系顾客");
        track(&engine, &c.id, "已到店检查");
        let other = create(&engine, "李四");
        let old: Vec<String> = ops_of(&engine, &c.id).into_iter().map(|op| op.id).collect();
        let limit = (server_ms() as u64) + MAX_CLOCK_AHEAD_MS;
        let too_far =
            move |op: &Op| (op.hlc.wall_ms > limit).then(|| refusal(RejectCode::ClockAhead));
        engine.api().on_push(too_far);
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        assert_eq!(
            block_on(engine.outbox_status())
                .expect("status")
                .refused
                .len(),
            4
        );

        let after = block_on(engine.reapply_refused(&old[0]))
            .expect("reapply")
            .expect("the complaint");

        assert_eq!(after.tracking, "已到店检查");
        let new = ops_of(&engine, &c.id);
        assert_eq!(new.len(), 3);
        assert!(
            new.iter().all(|op| !old.contains(&op.id)),
            "the refused ones are gone"
        );
        assert!(new[0].set.contains_key(complaints_domain::sync::CREATED_AT));
        // In order, each after and based on the one before.
        assert!(new[0].hlc < new[1].hlc && new[1].hlc < new[2].hlc);
        assert_eq!(new[1].base["tracking"], vec![new[0].id.clone()]);
        assert_eq!(new[2].base["tracking"], vec![new[1].id.clone()]);
        assert!(new.iter().all(|op| op.hlc.wall_ms <= limit));
        let status = block_on(engine.outbox_status()).expect("status");
        assert_eq!(status.pending, 3);
        // The other record's refused change is not part of this one's chain.
        assert_eq!(status.refused.len(), 1);
        assert_eq!(status.refused[0].op.record, other.id);

        // The server now takes them.
        engine.api().on_push(too_far);
        engine.api().nothing_to_pull();
        let report = sync(&engine).expect("sync");
        assert_eq!(report.accepted, 3);
    }

    #[test]
    fn reapplying_a_refused_pdca_row_makes_it_again_with_a_fresh_stamp() {
        let engine = device_at(server_ms() + 3 * HOUR_MS);
        let mut row = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-11");
        row.target = Some(95.0);
        block_on(engine.save_plan(&row)).expect("save");
        row.owner = "王经理".into();
        block_on(engine.save_plan(&row)).expect("save");
        let old = ops_of(&engine, &row.id());
        engine
            .api()
            .on_push(|_| Some(refusal(RejectCode::ClockAhead)));
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");

        block_on(engine.reapply_refused(&old[0].id)).expect("reapply");

        let new = ops_of(&engine, &row.id());
        assert_eq!(new.len(), 1, "the row's changes, made again as one");
        assert!(new[0].set.contains_key(complaints_domain::sync::CREATED_AT));
        assert!(new[0].hlc.wall_ms <= server_ms() as u64 + MAX_CLOCK_AHEAD_MS);
        assert_eq!(block_on(engine.plans()).expect("plans"), vec![row]);
        assert_eq!(block_on(engine.outbox_status()).expect("status").pending, 1);
    }
}

/// The device's clock kept honest by the server's.
mod clocks {
    use super::*;

    #[test]
    fn a_clock_three_hours_fast_stamps_no_later_than_server_time_plus_the_allowance() {
        let engine = device_at(server_ms() + 3 * HOUR_MS);
        let before = engine.stamp();
        assert!(before.hlc.wall_ms as i64 >= server_ms() + 3 * HOUR_MS);
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");

        let after = engine.stamp();
        assert!(
            after.hlc.wall_ms <= server_ms() as u64 + MAX_CLOCK_AHEAD_MS,
            "{} is beyond the server's time and the allowance",
            after.hlc
        );
        assert_eq!(engine.offset_ms(), -3 * HOUR_MS);
        assert_eq!(engine.clock_now(), at(server_ms()));
        // A later tick of the device's clock moves the corrected time with it.
        engine.env().wall_ms.set(server_ms() + 3 * HOUR_MS + 60_000);
        assert_eq!(engine.clock_now(), at(server_ms() + 60_000));
    }

    #[test]
    fn pulled_stamps_move_the_clock_past_them() {
        let engine = device();
        let ahead = server_ms() + 120_000;
        engine
            .api()
            .on_pull(Ok(page(vec![theirs("x", "op-x", ahead)], "1", false, 0)));
        sync(&engine).expect("sync");
        assert!(engine.stamp().hlc > Hlc::new(ahead as u64, 0));
    }
}

/// Pull: pages after the cursor.
mod pulling {
    use super::*;

    #[test]
    fn pulls_page_until_more_is_false_and_store_the_cursor_and_report_progress() {
        let engine = device();
        let t = server_ms();
        let server = engine.api();
        server.on_pull(Ok(page(
            vec![theirs("x", "op-1", t), theirs("y", "op-2", t)],
            "2",
            true,
            3,
        )));
        server.on_pull(Ok(page(
            vec![theirs("z", "op-3", t), theirs("x", "op-4", t)],
            "4",
            true,
            1,
        )));
        server.on_pull(Ok(page(vec![theirs("w", "op-5", t)], "5", false, 0)));
        let (report, progress) = sync_told(&engine);
        let report = report.expect("sync");

        assert_eq!(server.pulled_after(), ["", "2", "4"]);
        assert!(server.script_is_done());
        assert_eq!(block_on(engine.store().sync_cursor()).expect("cursor"), "5");
        // Each page's complaints are handed over once the page is stored
        // (a list grows while the pull runs), as the store now holds them.
        assert_eq!(
            told(&progress),
            [
                "pulling 2/5",
                "stored x y",
                "pulling 4/5",
                "stored x z",
                "pulling 5/5",
                "stored w"
            ]
        );
        let held = handed_over(&progress);
        assert_eq!(held.len(), 4);
        for c in held {
            assert_eq!(complaint(&engine, &c.id), Some(c));
        }
        assert_eq!(report.changed, ["x", "y", "z", "w"], "each record once");
        assert!(!report.plans_changed);
        assert!(complaint(&engine, "w").is_some());
        let device_id = engine.device().id.clone();
        assert!(server.requests().iter().all(|r| matches!(
            r,
            Request::Pull { token, device, limit: 1000, .. } if token == TOKEN && *device == device_id
        )));

        // The next sync starts after the stored cursor.
        server.nothing_to_pull();
        sync(&engine).expect("sync again");
        assert_eq!(server.pulled_after().last().map(String::as_str), Some("5"));
    }

    #[test]
    fn records_removed_from_scope_by_a_pull_page_are_deleted_and_reported() {
        let engine = device();
        let gone = create(&engine, "张三");
        let kept = create(&engine, "李四");
        track(&engine, &gone.id, "转给上海");
        let form = ComplaintForm::from_complaint(&gone, utc());
        let draft = edit_draft_key(&gone.id);
        block_on(engine.store().save_draft(&draft, &form)).expect("draft");
        // Its branch moved out of the user's scope: the server refuses its changes…
        let gone_id = gone.id.clone();
        engine
            .api()
            .on_push(move |op| (op.record == gone_id).then(|| refusal(RejectCode::Forbidden)));
        // …and the pull says it is no longer this device's.
        let mut leaving = page(vec![], "7", false, 0);
        leaving.removed = vec![gone.id.clone()];
        engine.api().on_pull(Ok(leaving));

        let (report, progress) = sync_told(&engine);
        let report = report.expect("sync");

        assert_eq!(report.removed, vec![gone.id.clone()]);
        // Gone from a list as soon as its page is stored.
        assert_eq!(told(&progress).last(), Some(&format!("gone {}", gone.id)));
        assert!(report.changed.is_empty());
        assert_eq!(complaint(&engine, &gone.id), None);
        assert_eq!(
            block_on(engine.store().get_record_state(&gone.id)).expect("state"),
            None
        );
        assert!(ops_of(&engine, &gone.id).is_empty());
        assert_eq!(
            block_on(engine.store().load_draft(&draft)).expect("draft"),
            None
        );
        assert_eq!(complaint(&engine, &kept.id), Some(kept));
        assert_eq!(block_on(engine.store().sync_cursor()).expect("cursor"), "7");
    }

    #[test]
    fn a_record_that_leaves_and_comes_back_in_one_sync_is_reported_changed_not_removed() {
        let engine = device();
        let t = server_ms();
        let mut first = page(vec![theirs("x", "op-1", t)], "1", true, 1);
        first.removed = vec![];
        let mut leaves = page(vec![], "2", true, 1);
        leaves.removed = vec!["x".into()];
        let back = page(vec![theirs("x", "op-1", t)], "3", false, 0);
        engine.api().on_pull(Ok(first));
        engine.api().on_pull(Ok(leaves));
        engine.api().on_pull(Ok(back));
        let (report, progress) = sync_told(&engine);
        let report = report.expect("sync");
        assert_eq!(
            told(&progress),
            [
                "pulling 1/2",
                "stored x",
                "pulling 1/2",
                "gone x",
                "pulling 2/2",
                "stored x"
            ]
        );
        assert_eq!(report.changed, ["x"]);
        assert!(report.removed.is_empty());
        assert!(complaint(&engine, "x").is_some());
    }

    #[test]
    fn a_pulled_pdca_row_is_reported() {
        let engine = device();
        let other = device();
        let mut row = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-11");
        row.target = Some(90.0);
        block_on(other.save_plan(&row)).expect("save");
        let op = ops_of(&other, &row.id()).remove(0);
        engine.api().on_pull(Ok(page(vec![op], "1", false, 0)));
        let report = sync(&engine).expect("sync");
        assert!(report.plans_changed);
        assert!(!report.answers_changed);
        assert_eq!(block_on(engine.plans()).expect("plans"), vec![row]);
    }

    #[test]
    fn a_pulled_answer_is_reported_and_listed() {
        let engine = device();
        let other = device();
        let answer = answers::Answer {
            id: record_id(&Audience::All, "tpms"),
            title: "胎压灯亮".into(),
            answer: "冷胎时检查胎压后复位。".into(),
            ..answers::Answer::default()
        };
        block_on(other.save_answer(&answer, "管理员")).expect("save");
        let op = ops_of(&other, &answer.id).remove(0);
        engine.api().on_pull(Ok(page(vec![op], "1", false, 0)));
        let report = sync(&engine).expect("sync");
        assert!(report.answers_changed);
        assert!(!report.plans_changed);
        assert_eq!(
            block_on(engine.answers()).expect("answers"),
            block_on(other.answers()).expect("answers")
        );
        assert!(complaint(&engine, &answer.id).is_none(), "no complaint");
    }
}

/// What a failed sync means.
/// Operations the server set aside after accepting them (an older version
/// stored them unreadable): every device is told on its next pull.
mod withdrawn {
    use super::*;
    use complaints_domain::sync::Withdrawn;

    fn withdrawn(op: &str, rec: &str, dev: &str) -> Withdrawn {
        Withdrawn {
            op: op.into(),
            rec: rec.into(),
            dev: dev.into(),
            reason: "InvalidValue: nested deeper than 4 levels".into(),
        }
    }

    #[test]
    fn another_devices_withdrawn_op_leaves_the_record() {
        let engine = device();
        let t = server_ms();
        let mut edit = theirs("x", "op-2", t + 1);
        edit.set = [("tracking".to_string(), serde_json::json!("已到店"))]
            .into_iter()
            .collect();
        edit.base = Default::default();
        let before = {
            let c = theirs("x", "op-1", t);
            engine.api().on_pull(Ok(page(vec![c, edit], "2", false, 0)));
            sync(&engine).expect("first sync");
            complaint(&engine, "x").expect("pulled")
        };
        assert_eq!(before.tracking, "已到店");

        let mut told = page(vec![], "3", false, 0);
        told.withdrawn = vec![withdrawn("op-2", "x", "other-device")];
        engine.api().on_pull(Ok(told));
        let (report, progress) = sync_told(&engine);
        let report = report.expect("second sync");

        let after = complaint(&engine, "x").expect("still there");
        assert_ne!(after.tracking, "已到店", "the withdrawn value is gone");
        // A list is handed the record as it now reads.
        assert_eq!(handed_over(&progress), std::slice::from_ref(&after));
        assert!(outbox(&engine).is_empty(), "nothing to push");
        assert_eq!(report.changed, ["x"]);
        assert!(report.refused.is_empty());
        let state = block_on(engine.store().get_record_state("x"))
            .unwrap()
            .unwrap();
        assert!(!state.ops.contains_key("op-2"));
    }

    #[test]
    fn this_devices_own_withdrawn_op_becomes_a_refused_change() {
        let engine = device();
        let c = create(&engine, "张三");
        engine.api().on_push(|_| None);
        engine.api().nothing_to_pull();
        sync(&engine).expect("pushed and accepted");
        assert!(outbox(&engine).is_empty());
        let creation = block_on(engine.store().get_record_state(&c.id))
            .unwrap()
            .unwrap()
            .ops
            .keys()
            .next()
            .unwrap()
            .clone();

        let mut told = page(vec![], "9", false, 0);
        told.withdrawn = vec![withdrawn(&creation, &c.id, &engine.device().id)];
        engine.api().on_pull(Ok(told));
        let report = sync(&engine).expect("sync");

        assert_eq!(report.refused, std::slice::from_ref(&creation));
        let queued = outbox(&engine);
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].op.id, creation);
        let reason = queued[0].rejection.as_ref().expect("refused");
        assert!(reason.detail.contains("nested"), "{}", reason.detail);
        // The user settles it like any refused change.
        assert_eq!(
            block_on(engine.discard_refused(&creation)).expect("discard"),
            None
        );
        assert_eq!(complaint(&engine, &c.id), None);
        assert_eq!(block_on(engine.store().sync_cursor()).unwrap(), "9");
    }
}

mod failures {
    use super::*;

    fn refused_with(
        status: u16,
        code: &str,
    ) -> impl FnOnce(&PushRequest) -> Result<PushResponse, ApiError> {
        let code = code.to_string();
        move |_| {
            Err(ApiError::Status {
                status,
                code,
                message: String::new(),
            })
        }
    }

    #[test]
    fn a_revoked_token_ends_the_session_and_leaves_every_complaint_and_queued_op() {
        let engine = device();
        let a = create(&engine, "张三");
        track(&engine, &a.id, "已联系顾客");
        let b = create(&engine, "李四");
        let before = outbox(&engine);
        engine
            .api()
            .on_push_answer(refused_with(401, "token_revoked"));

        let failure = sync(&engine).expect_err("the server refuses the token");

        assert_eq!(failure.ends_session(), Some(SignInNotice::Ended));
        assert_eq!(outbox(&engine), before, "nothing refused, nothing dropped");
        assert_eq!(
            complaint(&engine, &a.id).map(|c| c.tracking),
            Some("已联系顾客".into())
        );
        assert_eq!(complaint(&engine, &b.id), Some(b));
        assert_eq!(engine.api().requests().len(), 1, "no pull after it");
    }

    #[test]
    fn the_servers_auth_codes_say_why_the_session_ended_and_nothing_else_ends_it() {
        let ended = |status: u16, code: &str| {
            SyncFailure::Api(ApiError::Status {
                status,
                code: code.into(),
                message: String::new(),
            })
            .ends_session()
        };
        assert_eq!(ended(401, "token_expired"), Some(SignInNotice::Expired));
        assert_eq!(ended(401, "token_revoked"), Some(SignInNotice::Ended));
        assert_eq!(ended(401, "unauthenticated"), Some(SignInNotice::Ended));
        assert_eq!(ended(403, "wrong_device"), Some(SignInNotice::Ended));
        assert_eq!(ended(500, "internal"), None);
        assert_eq!(ended(403, "forbidden"), None);
        assert_eq!(
            SyncFailure::Api(ApiError::Unreachable("x".into())).ends_session(),
            None
        );
    }

    #[test]
    fn a_failure_names_the_problem_the_user_can_act_on() {
        let problem = |e: ApiError| SyncFailure::Api(e).problem();
        assert_eq!(
            problem(ApiError::Unreachable("dns".into())),
            SyncProblem::Unreachable
        );
        assert_eq!(
            problem(ApiError::Status {
                status: 503,
                code: "unavailable".into(),
                message: String::new()
            }),
            SyncProblem::Server(503)
        );
        assert_eq!(problem(ApiError::RateLimited(30)), SyncProblem::Server(429));
        assert_eq!(
            problem(ApiError::Decode("eof".into())),
            SyncProblem::Server(200)
        );
        let storage = SyncFailure::Store(complaints_domain::StoreError::Backend("quota".into()));
        assert_eq!(storage.problem(), SyncProblem::Storage);
    }

    #[test]
    fn a_failed_pull_keeps_what_was_pushed_and_the_pages_before_it() {
        let engine = device();
        create(&engine, "张三");
        engine.api().accept_next_push();
        engine.api().on_pull(Ok(page(
            vec![theirs("x", "op-1", server_ms())],
            "1",
            true,
            1,
        )));
        engine
            .api()
            .on_pull(Err(ApiError::Unreachable("lost the signal".into())));
        let failure = sync(&engine).expect_err("the second page fails");
        assert_eq!(failure.problem(), SyncProblem::Unreachable);
        assert!(outbox(&engine).is_empty());
        assert_eq!(block_on(engine.store().sync_cursor()).expect("cursor"), "1");
        assert!(complaint(&engine, "x").is_some());
    }
}

/// The next request goes out while the store takes in the last answer (the
/// network and the store overlap). The store here takes a turn of the
/// executor before it settles a push answer or stores a pull page, as
/// IndexedDB does: a request joined with that work is polled meanwhile.
/// Deterministic: no timers, one thread, `block_on`.
mod overlap {
    use super::*;
    use chrono::NaiveDate;
    use complaints_domain::store::RecordStore;
    use complaints_domain::sync::RecordState;
    use complaints_domain::{Listing, StoreError};
    use std::task::Poll;

    /// Lets the executor poll the other futures once before going on.
    async fn one_turn() {
        let mut turned = false;
        futures::future::poll_fn(|cx| {
            if turned {
                Poll::Ready(())
            } else {
                turned = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }

    /// A store call that takes a turn: which one, and how many requests the
    /// server had had when it ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Ended {
        Settle(usize),
        Apply(usize),
    }

    /// An in-memory store whose `settle_outbox` and `apply_pulled` take a
    /// turn before they write, and note when they end (see [`Ended`]).
    struct BusyStore {
        inner: MemoryStore,
        server: Rc<Server>,
        ended: RefCell<Vec<Ended>>,
        /// The next `settle_outbox` fails, writing nothing.
        fail_settle: Cell<bool>,
    }

    impl BusyStore {
        fn requests(&self) -> usize {
            self.server.requests().len()
        }
    }

    impl ComplaintStore for BusyStore {
        async fn save_complaint(
            &self,
            complaint: &Complaint,
            clear_draft: Option<&str>,
        ) -> Result<(), StoreError> {
            self.inner.save_complaint(complaint, clear_draft).await
        }
        async fn get_complaint(&self, id: &str) -> Result<Option<Complaint>, StoreError> {
            self.inner.get_complaint(id).await
        }
        async fn list_complaints(&self) -> Result<Listing, StoreError> {
            self.inner.list_complaints().await
        }
        async fn delete_complaint(&self, id: &str) -> Result<(), StoreError> {
            self.inner.delete_complaint(id).await
        }
        async fn put_raw_complaint(
            &self,
            id: &str,
            raw: serde_json::Value,
        ) -> Result<(), StoreError> {
            self.inner.put_raw_complaint(id, raw).await
        }
        async fn save_draft(&self, key: &str, draft: &ComplaintForm) -> Result<(), StoreError> {
            self.inner.save_draft(key, draft).await
        }
        async fn load_draft(&self, key: &str) -> Result<Option<ComplaintForm>, StoreError> {
            self.inner.load_draft(key).await
        }
        async fn delete_draft(&self, key: &str) -> Result<(), StoreError> {
            self.inner.delete_draft(key).await
        }
        async fn next_case_sequence(&self, day: NaiveDate) -> Result<u32, StoreError> {
            self.inner.next_case_sequence(day).await
        }
        async fn save_change(
            &self,
            op: &Op,
            clear_draft: Option<&str>,
        ) -> Result<Complaint, StoreError> {
            self.inner.save_change(op, clear_draft).await
        }
        async fn get_record_state(&self, id: &str) -> Result<Option<RecordState>, StoreError> {
            self.inner.get_record_state(id).await
        }
        async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
            self.inner.outbox().await
        }
        async fn settle_outbox(
            &self,
            accepted: &[String],
            rejected: &[(String, Rejection)],
        ) -> Result<(), StoreError> {
            one_turn().await;
            let settled = if self.fail_settle.replace(false) {
                Err(StoreError::Backend("the disk went away".into()))
            } else {
                self.inner.settle_outbox(accepted, rejected).await
            };
            self.ended.borrow_mut().push(Ended::Settle(self.requests()));
            settled
        }
        async fn discard_op(&self, op_id: &str) -> Result<Option<Complaint>, StoreError> {
            self.inner.discard_op(op_id).await
        }
        async fn apply_pulled(
            &self,
            ops: &[Op],
            cursor: &str,
        ) -> Result<complaints_domain::store::PageStored, StoreError> {
            one_turn().await;
            let stored = self.inner.apply_pulled(ops, cursor).await;
            self.ended.borrow_mut().push(Ended::Apply(self.requests()));
            stored
        }
        async fn sync_cursor(&self) -> Result<String, StoreError> {
            self.inner.sync_cursor().await
        }
        async fn remove_records(&self, ids: &[String]) -> Result<(), StoreError> {
            self.inner.remove_records(ids).await
        }
        async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
            self.inner.get_setting(key).await
        }
        async fn set_setting(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
            self.inner.set_setting(key, value).await
        }
        async fn put_raw_setting(&self, key: &str, raw: &str) -> Result<(), StoreError> {
            self.inner.put_raw_setting(key, raw).await
        }
    }

    impl RecordStore for BusyStore {
        async fn save_record(&self, op: &Op) -> Result<RecordState, StoreError> {
            self.inner.save_record(op).await
        }
        async fn records_with_prefix(&self, prefix: &str) -> Result<Vec<RecordState>, StoreError> {
            self.inner.records_with_prefix(prefix).await
        }
    }

    type BusyEngine = Engine<BusyStore, Rc<Server>, TestEnv>;

    /// A fresh device over a busy store, with `queued` new complaints
    /// waiting to be pushed (one operation each).
    fn busy_device(queued: usize) -> BusyEngine {
        let server = Rc::new(Server::default());
        let store = BusyStore {
            inner: MemoryStore::new(),
            server: server.clone(),
            ended: RefCell::new(Vec::new()),
            fail_settle: Cell::new(false),
        };
        let engine = block_on(Engine::open(
            Rc::new(store),
            server,
            TestEnv::at(server_ms()),
        ))
        .expect("open");
        for n in 0..queued {
            block_on(engine.create(&intake(&format!("顾客 {n}")), utc(), Some("intake")))
                .expect("create");
        }
        engine
    }

    fn queued(engine: &BusyEngine) -> Vec<String> {
        block_on(engine.store().outbox())
            .expect("outbox")
            .into_iter()
            .map(|e| e.op.id)
            .collect()
    }

    fn ended(engine: &BusyEngine) -> Vec<Ended> {
        engine.store().ended.borrow().clone()
    }

    fn cursor(engine: &BusyEngine) -> String {
        block_on(engine.store().sync_cursor()).expect("cursor")
    }

    fn has(engine: &BusyEngine, id: &str) -> bool {
        block_on(engine.store().get_complaint(id))
            .expect("get")
            .is_some()
    }

    fn push_sizes(engine: &BusyEngine) -> Vec<usize> {
        engine.api().pushes().iter().map(|p| p.ops.len()).collect()
    }

    /// Three pages after "", "1" and "2"; the third's answer is `last`.
    fn three_pages(server: &Server, last: Result<PullResponse, ApiError>) {
        let t = server_ms();
        server.on_pull(Ok(page(vec![theirs("x", "op-1", t)], "1", true, 2)));
        server.on_pull(Ok(page(vec![theirs("y", "op-2", t)], "2", true, 1)));
        server.on_pull(last);
    }

    #[test]
    fn the_next_batch_is_sent_while_the_last_answer_is_settled() {
        let engine = busy_device(1001);
        let server = engine.api();
        for _ in 0..3 {
            server.accept_next_push();
        }
        server.nothing_to_pull();
        let mut progress = Vec::new();

        let report = block_on(engine.sync_once(TOKEN, |p| progress.push(p))).expect("sync");

        // Batch 1's answer is settled once batch 2 is out, batch 2's once
        // batch 3 is; one after the other: 1, 2, 3 (then the pull's page).
        assert_eq!(
            ended(&engine),
            [
                Ended::Settle(2),
                Ended::Settle(3),
                Ended::Settle(3),
                Ended::Apply(4)
            ]
        );
        assert_eq!(push_sizes(&engine), [500, 500, 1]);
        assert_eq!(
            progress,
            [
                Progress::Pushed { sent: 500 },
                Progress::Pushed { sent: 500 },
                Progress::Pushed { sent: 1 },
            ]
        );
        assert_eq!(report.accepted, 1001);
        assert!(queued(&engine).is_empty());
        assert!(server.script_is_done());
    }

    #[test]
    fn the_next_page_is_requested_while_the_last_is_stored() {
        let engine = busy_device(0);
        let server = engine.api();
        let t = server_ms();
        three_pages(
            server,
            Ok(page(vec![theirs("z", "op-3", t)], "3", false, 0)),
        );
        let (report, progress) = sync_told(&engine);
        let report = report.expect("sync");

        // Page 1 is stored once page 2 is asked for, page 2 once page 3 is.
        assert_eq!(
            ended(&engine),
            [Ended::Apply(2), Ended::Apply(3), Ended::Apply(3)]
        );
        assert_eq!(server.pulled_after(), ["", "1", "2"]);
        assert_eq!(cursor(&engine), "3");
        assert_eq!(report.changed, ["x", "y", "z"]);
        assert_eq!(
            told(&progress),
            [
                "pulling 1/3",
                "stored x",
                "pulling 2/3",
                "stored y",
                "pulling 3/3",
                "stored z"
            ]
        );
        assert!(server.script_is_done());
    }

    #[test]
    fn a_failed_batch_returns_once_the_batch_answered_before_it_is_settled() {
        let engine = busy_device(1200);
        let before = queued(&engine);
        let server = engine.api();
        server.accept_next_push();
        server.on_push_answer(|_| Err(ApiError::Unreachable("offline".into())));
        let (failed, progress) = sync_told(&engine);

        assert!(matches!(
            failed,
            Err(SyncFailure::Api(ApiError::Unreachable(_)))
        ));
        // The first batch left the outbox; the second and the third (never
        // sent) wait, in their order.
        let left = queued(&engine);
        assert_eq!(left.len(), 700, "the first batch is settled");
        assert!(left == before[500..], "the others wait, in their order");
        assert_eq!(push_sizes(&engine), [500, 500]);
        assert_eq!(progress, [Progress::Pushed { sent: 500 }]);
        assert_eq!(ended(&engine), [Ended::Settle(2)]);
        assert!(server.script_is_done(), "no pull after it");
    }

    #[test]
    fn a_failed_settle_stops_the_sync_and_every_batch_not_settled_goes_again() {
        let engine = busy_device(1001);
        let before = queued(&engine);
        let server = engine.api();
        server.accept_next_push();
        // Answered while the first answer is being settled, then dropped.
        server.accept_next_push();
        engine.store().fail_settle.set(true);
        let (failed, progress) = sync_told(&engine);

        assert!(matches!(failed, Err(SyncFailure::Store(_))));
        let left = queued(&engine);
        assert_eq!(left.len(), 1001, "nothing settled");
        assert!(left == before, "every operation waits, in its order");
        assert_eq!(push_sizes(&engine), [500, 500]);
        assert!(progress.is_empty());
        assert!(server.script_is_done());

        // The next sync sends all of it again (the server accepts what it
        // has already logged once more).
        for _ in 0..3 {
            server.accept_next_push();
        }
        server.nothing_to_pull();
        let report = block_on(engine.sync_once(TOKEN, |_| {})).expect("sync again");
        assert_eq!(report.accepted, 1001);
        assert!(queued(&engine).is_empty());
        assert_eq!(push_sizes(&engine)[2..], [500, 500, 1]);
    }

    #[test]
    fn a_failed_page_returns_once_the_pages_before_it_are_stored() {
        let engine = busy_device(0);
        let server = engine.api();
        three_pages(server, Err(ApiError::Unreachable("lost the signal".into())));
        let (failed, progress) = sync_told(&engine);

        assert!(matches!(
            failed,
            Err(SyncFailure::Api(ApiError::Unreachable(_)))
        ));
        assert_eq!(server.pulled_after(), ["", "1", "2"]);
        assert_eq!(cursor(&engine), "2");
        assert!(has(&engine, "x") && has(&engine, "y"));
        assert_eq!(ended(&engine), [Ended::Apply(2), Ended::Apply(3)]);
        // The stored pages were handed over; the failed one was not.
        assert_eq!(
            told(&progress),
            ["pulling 1/3", "stored x", "pulling 2/3", "stored y"]
        );

        // The next sync goes on after page 2.
        server.on_pull(Ok(page(vec![], "3", false, 0)));
        block_on(engine.sync_once(TOKEN, |_| {})).expect("sync again");
        assert_eq!(server.pulled_after()[3..], ["2"]);
        assert_eq!(cursor(&engine), "3");
    }
}

/// A session's offline expiry is judged against the latest time the device
/// has seen (its own clock's readings and the server's times), which a clock
/// set back does not undo.
mod session_clock {
    use super::*;

    #[test]
    fn setting_the_clock_back_does_not_reopen_an_expired_session() {
        let engine = device();
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        let session = session_until(server_ms() + HOUR_MS);
        assert!(is_valid(engine.session_validity(&session)));

        // Two hours on, offline: the session is over.
        engine.env().wall_ms.set(server_ms() + 2 * HOUR_MS);
        assert_eq!(engine.session_validity(&session), Validity::Expired);
        // The tablet's clock set back a day brings nothing back.
        engine.env().wall_ms.set(server_ms() - DAY_MS);
        assert_eq!(
            engine.session_validity(&session),
            Validity::Expired,
            "the clock set back reopened an expired session"
        );
    }

    #[test]
    fn the_latest_time_seen_is_kept_across_restarts() {
        let store = Rc::new(MemoryStore::new());
        let engine = open_on(&store, server_ms());
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        engine.env().wall_ms.set(server_ms() + 2 * HOUR_MS);
        // The app's 30 s tick.
        block_on(engine.keep_time()).expect("kept");
        drop(engine);

        // Restarted with the clock set back a day, offline.
        let again = open_on(&store, server_ms() - DAY_MS);
        assert_eq!(again.seen_ms(), server_ms() + 2 * HOUR_MS);
        assert_eq!(
            again.session_validity(&session_until(server_ms() + HOUR_MS)),
            Validity::Expired
        );
        assert!(is_valid(
            again.session_validity(&session_until(server_ms() + 3 * HOUR_MS))
        ));
    }

    #[test]
    fn a_clock_kept_by_an_earlier_version_reads_with_the_time_of_opening() {
        let store = Rc::new(MemoryStore::new());
        drop(open_on(&store, server_ms()));
        block_on(store.set_setting(
            settings::CLOCK,
            serde_json::json!({ "last": format!("{}-3", server_ms() - HOUR_MS) }),
        ))
        .expect("set");
        let engine = open_on(&store, server_ms());
        assert_eq!(
            engine.last_stamp(),
            Hlc::new((server_ms() - HOUR_MS) as u64, 3)
        );
        assert_eq!(engine.seen_ms(), server_ms());
    }

    #[test]
    fn a_clock_set_back_after_a_local_change_does_not_reopen_it_either() {
        let engine = device();
        engine.env().wall_ms.set(server_ms() + 2 * HOUR_MS);
        create(&engine, "张三");
        engine.env().wall_ms.set(server_ms() - DAY_MS);
        assert_eq!(
            engine.session_validity(&session_until(server_ms() + HOUR_MS)),
            Validity::Expired
        );
    }

    #[test]
    fn a_device_clock_fast_before_the_first_contact_does_not_shorten_the_session() {
        // Three hours fast, checked before the server was ever heard from.
        let engine = device_at(server_ms() + 3 * HOUR_MS);
        let _ = engine.session_validity(&session_until(server_ms() + 14 * DAY_MS));
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        // By the server's clock, two hours are left: all of them.
        assert_eq!(
            engine.session_validity(&session_until(server_ms() + 2 * HOUR_MS)),
            Validity::Valid {
                left_ms: 2 * HOUR_MS
            }
        );
    }
}

/// A pulled operation stamped in the future (a forged one, or from a device
/// whose clock ran ahead before the server checked stamps) moves neither the
/// clock nor the session's time past the server's time and its allowance.
mod future_stamps {
    use super::*;

    const TEN_YEARS_MS: i64 = 10 * 365 * DAY_MS;

    fn limit() -> u64 {
        server_ms() as u64 + MAX_CLOCK_AHEAD_MS
    }

    #[test]
    fn a_pulled_op_stamped_years_ahead_moves_the_clock_no_further_than_the_allowance() {
        let engine = device();
        let far = server_ms() + TEN_YEARS_MS;
        engine
            .api()
            .on_pull(Ok(page(vec![theirs("x", "op-far", far)], "1", false, 0)));
        sync(&engine).expect("sync");
        assert!(complaint(&engine, "x").is_some(), "the record is taken in");
        assert!(
            engine.last_stamp().wall_ms <= limit(),
            "the clock jumped to {}",
            engine.last_stamp()
        );
        let next = engine.stamp();
        assert!(next.hlc.wall_ms <= limit(), "next stamp {}", next.hlc);
    }

    #[test]
    fn a_pulled_op_stamped_years_ahead_does_not_end_the_session_nor_after_a_restart() {
        let store = Rc::new(MemoryStore::new());
        let engine = open_on(&store, server_ms());
        let far = server_ms() + TEN_YEARS_MS;
        engine
            .api()
            .on_pull(Ok(page(vec![theirs("x", "op-far", far)], "1", false, 0)));
        sync(&engine).expect("sync");
        let session = session_until(server_ms() + 14 * DAY_MS);
        assert!(
            is_valid(engine.session_validity(&session)),
            "a received stamp ended the session"
        );
        // The app starts again (as it does after signing in): still valid.
        let again = open_on(&store, server_ms() + 60_000);
        assert!(is_valid(again.session_validity(&session)));
    }

    #[test]
    fn a_clock_kept_years_ahead_by_an_earlier_version_ends_no_session_and_heals_at_the_next_contact(
    ) {
        let store = Rc::new(MemoryStore::new());
        drop(open_on(&store, server_ms()));
        let far = server_ms() + TEN_YEARS_MS;
        block_on(store.set_setting(
            settings::CLOCK,
            serde_json::json!({ "last": format!("{far}-0") }),
        ))
        .expect("set");
        let engine = open_on(&store, server_ms());
        assert!(is_valid(
            engine.session_validity(&session_until(server_ms() + 14 * DAY_MS))
        ));
        engine.api().nothing_to_pull();
        sync(&engine).expect("sync");
        assert!(engine.last_stamp().wall_ms <= limit());
    }
}

/// A setting that cannot be read (damaged on disk, written by something
/// else) is skipped: its default is used, and the app is told once.
mod damaged_settings {
    use super::*;

    const DAMAGED: &str = "{\"last\": 12";

    #[test]
    fn an_unreadable_setting_does_not_stop_the_engine_opening() {
        let store = Rc::new(MemoryStore::new());
        let first = open_on(&store, server_ms());
        let kept = create(&first, "张三");
        let device = first.device().clone();
        drop(first);
        for key in [
            settings::CLOCK,
            settings::CLOCK_OFFSET,
            settings::ADOPTED_UNSYNCED,
        ] {
            block_on(store.put_raw_setting(key, DAMAGED)).expect("raw");
        }

        let engine = block_on(Engine::open(
            store.clone(),
            Server::default(),
            TestEnv::at(server_ms()),
        ))
        .expect("opens despite the damaged settings");
        assert_eq!(engine.device(), &device, "a readable setting is kept");
        assert_eq!(engine.offset_ms(), 0, "the offset's default");
        assert_eq!(complaint(&engine, &kept.id), Some(kept));
        let next = create(&engine, "李四");
        assert_eq!(complaint(&engine, &next.id), Some(next));
    }

    #[test]
    fn the_damaged_settings_are_named_once_and_written_back_with_their_defaults() {
        let store = Rc::new(MemoryStore::new());
        drop(open_on(&store, server_ms()));
        for key in [settings::CLOCK, settings::CLOCK_OFFSET] {
            block_on(store.put_raw_setting(key, DAMAGED)).expect("raw");
        }
        // JSON, but not what the setting holds: skipped the same way.
        block_on(store.set_setting(settings::ADOPTED_UNSYNCED, serde_json::json!([1])))
            .expect("set");

        let engine = open_on(&store, server_ms());
        assert_eq!(
            engine.skipped_settings(),
            [
                settings::CLOCK,
                settings::CLOCK_OFFSET,
                settings::ADOPTED_UNSYNCED
            ]
        );
        drop(engine);
        let again = open_on(&store, server_ms());
        assert!(again.skipped_settings().is_empty(), "said once");
    }

    #[test]
    fn a_damaged_device_identity_is_made_again() {
        let store = Rc::new(MemoryStore::new());
        let before = open_on(&store, server_ms()).device().clone();
        block_on(store.put_raw_setting(settings::DEVICE, DAMAGED)).expect("raw");
        let engine = open_on(&store, server_ms() + 1);
        assert_eq!(engine.skipped_settings(), [settings::DEVICE]);
        assert_ne!(engine.device().id, before.id);
        assert!(uuid::Uuid::parse_str(&engine.device().id).is_ok());
        let again = open_on(&store, server_ms() + 2);
        assert_eq!(again.device(), engine.device(), "kept from now on");
    }

    #[test]
    fn a_full_store_is_named_as_such_in_the_sync_bar() {
        let failure = SyncFailure::Store(complaints_domain::StoreError::QuotaExceeded(
            "QuotaExceededError".into(),
        ));
        assert_eq!(failure.problem(), SyncProblem::StorageFull);
    }

    #[test]
    fn a_damaged_pull_cursor_pulls_again_from_the_start() {
        let engine = device();
        block_on(
            engine
                .store()
                .put_raw_setting(settings::SYNC_CURSOR, DAMAGED),
        )
        .expect("raw");
        engine.api().on_pull(Ok(page(
            vec![theirs("x", "op-1", server_ms())],
            "1",
            false,
            0,
        )));
        sync(&engine).expect("the sync is not stopped by the cursor");
        assert_eq!(engine.api().pulled_after(), [""]);
        assert_eq!(block_on(engine.store().sync_cursor()).expect("cursor"), "1");
    }
}

/// A sign-out the server could not hear of (offline): its token is kept
/// and revoked at the next contact, then forgotten.
mod revocation {
    use super::*;

    fn denied(status: u16, code: &str) -> Result<(), ApiError> {
        Err(ApiError::Status {
            status,
            code: code.into(),
            message: String::new(),
        })
    }

    #[test]
    fn a_token_left_by_an_offline_sign_out_is_revoked_at_the_next_contact_then_forgotten() {
        let store = Rc::new(MemoryStore::new());
        block_on(settings::revoke_later(&*store, "old-token")).expect("kept");
        // The app starts again (signing out restarts it): still waiting.
        let engine = open_on(&store, server_ms());
        assert_eq!(
            block_on(engine.pending_revocations()).expect("read"),
            ["old-token"]
        );

        // Still offline: kept for the next try.
        engine
            .api()
            .on_logout(Err(ApiError::Unreachable("offline".into())));
        assert_eq!(block_on(engine.revoke_pending()).expect("tried"), 1);
        // Back online: revoked, and forgotten.
        engine.api().on_logout(Ok(()));
        assert_eq!(block_on(engine.revoke_pending()).expect("revoked"), 0);
        assert_eq!(engine.api().logouts(), ["old-token", "old-token"]);
        assert!(block_on(engine.pending_revocations())
            .expect("read")
            .is_empty());
        // Nothing more to say to the server.
        assert_eq!(block_on(engine.revoke_pending()).expect("none"), 0);
        assert!(engine.api().script_is_done());
    }

    #[test]
    fn a_token_the_server_refuses_as_no_longer_valid_is_forgotten_too() {
        let engine = device();
        block_on(engine.revoke_later("expired")).expect("kept");
        block_on(engine.revoke_later("revoked")).expect("kept");
        engine.api().on_logout(denied(401, "token_expired"));
        engine.api().on_logout(denied(401, "token_revoked"));
        assert_eq!(block_on(engine.revoke_pending()).expect("done"), 0);
        assert_eq!(engine.api().logouts(), ["expired", "revoked"]);
    }

    #[test]
    fn a_server_error_keeps_the_token_for_the_next_try() {
        let engine = device();
        block_on(engine.revoke_later("a")).expect("kept");
        block_on(engine.revoke_later("b")).expect("kept");
        block_on(engine.revoke_later("a")).expect("kept once");
        engine.api().on_logout(denied(500, "internal"));
        engine.api().on_logout(Ok(()));
        assert_eq!(block_on(engine.revoke_pending()).expect("tried"), 1);
        assert_eq!(block_on(engine.pending_revocations()).expect("read"), ["a"]);
    }

    #[test]
    fn the_tokens_to_revoke_belong_to_the_device_not_to_a_user() {
        assert!(settings::DEVICE_OWNED.contains(&settings::REVOKE_TOKENS));
    }
}

/// What the sign-in page says when the server answers an error.
mod sign_in_answers {
    use super::*;

    fn status(status: u16, code: &str) -> ApiError {
        ApiError::Status {
            status,
            code: code.into(),
            message: String::new(),
        }
    }

    #[test]
    fn a_busy_server_reads_like_a_rate_limit_not_a_server_fault() {
        assert_eq!(status(503, "busy").sign_in_notice(), SignInNotice::Busy);
        assert_eq!(
            status(409, "device_taken").sign_in_notice(),
            SignInNotice::DeviceTaken
        );
        assert_eq!(
            ApiError::RateLimited(30).sign_in_notice(),
            SignInNotice::RateLimited { retry_after_s: 30 }
        );
        // Another 503 is still the server's fault.
        assert_eq!(
            status(503, "db_unavailable").sign_in_notice(),
            SignInNotice::Server(503)
        );
    }

    #[test]
    fn the_other_answers_keep_their_words() {
        assert_eq!(
            status(401, "bad_credentials").sign_in_notice(),
            SignInNotice::BadCredentials
        );
        assert_eq!(
            ApiError::Unreachable("dns".into()).sign_in_notice(),
            SignInNotice::Offline
        );
        assert_eq!(
            status(500, "internal").sign_in_notice(),
            SignInNotice::Server(500)
        );
        assert_eq!(
            ApiError::Decode("eof".into()).sign_in_notice(),
            SignInNotice::Server(200)
        );
    }
}

/// Several devices through a server that does what the real one does.
mod convergence {
    use super::*;
    use complaints_domain::sync::{check_op, RecordState};
    use std::collections::BTreeMap;

    /// What the real server does with operations, in memory: checks each
    /// with the domain's `check_op`, merges it, logs it for pulls (the
    /// cursor is the log's length). A retried operation is accepted again.
    #[derive(Default)]
    struct RealServer {
        records: RefCell<BTreeMap<String, RecordState>>,
        log: RefCell<Vec<Op>>,
    }

    impl Api for RealServer {
        async fn push(
            &self,
            _token: &str,
            request: &PushRequest,
        ) -> Result<PushResponse, ApiError> {
            let mut results = Vec::new();
            for op in &request.ops {
                let before = self.records.borrow().get(&op.record).cloned();
                let outcome = if before.as_ref().is_some_and(|b| b.ops.contains_key(&op.id)) {
                    Outcome::Accepted
                } else {
                    match check_op(before.as_ref(), op, server_ms() as u64) {
                        Ok(after) => {
                            self.records.borrow_mut().insert(op.record.clone(), after);
                            self.log.borrow_mut().push(op.clone());
                            Outcome::Accepted
                        }
                        Err(reason) => Outcome::Rejected { reason },
                    }
                };
                results.push(OpResult {
                    id: op.id.clone(),
                    outcome,
                });
            }
            Ok(PushResponse {
                results,
                server_time: at(server_ms()),
            })
        }

        async fn pull(
            &self,
            _token: &str,
            cursor: &str,
            _device: &str,
            limit: u32,
        ) -> Result<PullResponse, ApiError> {
            let log = self.log.borrow();
            let from = cursor.parse::<usize>().unwrap_or(0).min(log.len());
            let to = (from + limit as usize).min(log.len());
            Ok(PullResponse {
                ops: log[from..to].to_vec(),
                cursor: to.to_string(),
                more: to < log.len(),
                remaining: (log.len() - to) as u64,
                removed: vec![],
                withdrawn: vec![],
                server_time: at(server_ms()),
            })
        }

        async fn logout(&self, _token: &str) -> Result<(), ApiError> {
            Ok(())
        }
    }

    fn device_on(server: &Rc<RealServer>, wall_ms: i64) -> TestEngine<Rc<RealServer>> {
        block_on(Engine::open(
            Rc::new(MemoryStore::new()),
            server.clone(),
            TestEnv::at(wall_ms),
        ))
        .expect("open")
    }

    fn state<A: Api>(engine: &TestEngine<A>, id: &str) -> RecordState {
        block_on(engine.store().get_record_state(id))
            .expect("state")
            .expect("present")
    }

    #[test]
    fn two_devices_editing_offline_converge_and_keep_a_concurrent_edit_as_a_conflict() {
        let server = Rc::new(RealServer::default());
        let a = device_on(&server, server_ms());
        let b = device_on(&server, server_ms() + 7);
        let c = create(&a, "张三");
        sync(&a).expect("a sends the new complaint");
        sync(&b).expect("b receives it");
        assert_eq!(complaint(&b, &c.id), Some(c.clone()));

        // Offline, both change the tracking note; only a changes the demand.
        track(&a, &c.id, "A：已联系顾客");
        block_on(a.handle(&c.id, |c, _, _| {
            let mut next = c.clone();
            next.demand = "更换方向机".into();
            Ok(next)
        }))
        .expect("edit");
        track(&b, &c.id, "B：顾客已到店");
        sync(&a).expect("a sends");
        sync(&b).expect("b sends and receives");
        sync(&a).expect("a receives");

        assert_eq!(state(&a, &c.id), state(&b, &c.id));
        assert_eq!(complaint(&a, &c.id), complaint(&b, &c.id));
        let merged = state(&a, &c.id);
        assert!(merged.fields["tracking"].in_conflict());
        assert_eq!(complaint(&b, &c.id).expect("merged").demand, "更换方向机");

        // b settles the conflict on a's note; both end up with it.
        block_on(b.choose_value(&c.id, "tracking", "A：已联系顾客".into())).expect("choose");
        sync(&b).expect("sync");
        sync(&a).expect("sync");
        assert_eq!(complaint(&a, &c.id).expect("a's").tracking, "A：已联系顾客");
        assert_eq!(complaint(&b, &c.id).expect("b's").tracking, "A：已联系顾客");
        assert!(!state(&a, &c.id).fields["tracking"].in_conflict());
        assert_eq!(state(&a, &c.id), state(&b, &c.id));
        assert!(outbox(&a).is_empty() && outbox(&b).is_empty());
    }

    #[test]
    fn two_managers_editing_an_answer_offline_see_a_conflict_and_settle_it_like_a_complaints() {
        use complaints_domain::answers::{self, record_id, Audience};
        let server = Rc::new(RealServer::default());
        let a = device_on(&server, server_ms());
        let b = device_on(&server, server_ms() + 7);
        let answer = answers::Answer {
            id: record_id(&Audience::Branch("BJ01".into()), "hours"),
            title: "周末营业时间".into(),
            answer: "周六周日 8:30–17:30。".into(),
            ..answers::Answer::default()
        };
        block_on(a.save_answer(&answer, "李娜")).expect("save");
        sync(&a).expect("a sends the answer");
        sync(&b).expect("b receives it");
        let got = block_on(b.answers()).expect("answers").remove(0);

        // Offline, both change the title; only b changes the answer.
        let mut mine = got.clone();
        mine.title = "周末营业与快修".into();
        block_on(a.save_answer(&mine, "李娜")).expect("a edits");
        let mut theirs = got.clone();
        theirs.title = "周末及节假日营业".into();
        theirs.answer = "周六周日及节假日 8:30–17:30。".into();
        block_on(b.save_answer(&theirs, "赵磊")).expect("b edits");
        sync(&a).expect("a sends");
        sync(&b).expect("b sends and receives");
        sync(&a).expect("a receives");

        assert_eq!(state(&a, &answer.id), state(&b, &answer.id));
        assert!(state(&a, &answer.id).fields["title"].in_conflict());
        let read = block_on(a.answers()).expect("answers").remove(0);
        assert_eq!(
            read.answer, "周六周日及节假日 8:30–17:30。",
            "b's answer text stands"
        );

        // a settles the title on b's; both end up with it, the conflict gone.
        block_on(a.choose_answer_value(&answer.id, "title", "周末及节假日营业".into()))
            .expect("choose");
        sync(&a).expect("sync");
        sync(&b).expect("sync");
        for device in [&a, &b] {
            let read = block_on(device.answers()).expect("answers").remove(0);
            assert_eq!(read.title, "周末及节假日营业");
            assert!(!state(device, &answer.id).fields["title"].in_conflict());
        }
        assert!(outbox(&a).is_empty() && outbox(&b).is_empty());
    }
}
