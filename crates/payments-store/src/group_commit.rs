//! Group commit for creates, on both backends: concurrent creates queue for one writer thread,
//! which creates every order waiting in one transaction, with a handful of statements for the
//! whole batch (`create_batch`), and commits once. Every commit costs a durable flush (SQLite
//! `synchronous=FULL`, PostgreSQL's WAL flush) and, on PostgreSQL, every statement a round trip;
//! shared by a batch, durability stays full while both costs are divided. A caller's result is
//! returned only after its commit.
//!
//! A create also takes its shop's order number (`shop_order_counts`, see the migration
//! `order_pages`): one row per shop, locked until commit, taken once per batch.

use crate::create_batch::{CreateJob, CreateWriter};
use crate::errors::from_diesel;
use crate::models::OrderRow;
use payments_core::StoreError;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Most creates one commit takes.
const MAX_BATCH: usize = 256;

/// The longest a batch waits for more creates (see `writer`).
const MAX_WAIT: Duration = Duration::from_millis(2);

/// What a caller is told: its order (`None`: no payable amount was free), once committed.
type Reply = mpsc::SyncSender<Result<Option<OrderRow>, StoreError>>;

/// Opens the writer's connection (again, after it was lost).
type Connect<C> = Box<dyn Fn() -> Result<C, StoreError> + Send>;

/// The queue in front of the writer thread.
pub(crate) struct GroupCommit {
    /// `None` only while dropping.
    queue: Option<mpsc::Sender<(CreateJob, Reply)>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// Dropping the store stops the writer and waits for it, so its connection is closed before
/// anyone reopens the database (a lingering writer holds SQLite's file a moment longer).
impl Drop for GroupCommit {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl GroupCommit {
    /// Opens the writer's own connection with `connect` and starts its thread.
    pub(crate) fn start<C: CreateWriter>(
        connect: impl Fn() -> Result<C, StoreError> + Send + 'static,
    ) -> Result<GroupCommit, StoreError> {
        let conn = connect()?;
        let (queue, jobs) = mpsc::channel::<(CreateJob, Reply)>();
        let handle = std::thread::Builder::new()
            .name("kassa-db-writer".into())
            .spawn(move || writer(Some(conn), Box::new(connect), jobs))
            .map_err(|e| StoreError::Other(format!("cannot start the database writer: {e}")))?;
        Ok(GroupCommit {
            queue: Some(queue),
            writer: Some(handle),
        })
    }

    /// Creates `job`'s order in the next batch; returns after that batch's commit.
    pub(crate) fn create(&self, job: CreateJob) -> Result<Option<OrderRow>, StoreError> {
        let (reply, result) = mpsc::sync_channel(1);
        self.queue
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the database writer has stopped".into()))?
            .send((job, reply))
            .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?;
        result
            .recv()
            .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?
    }
}

/// The writer: takes what is queued (at least one create, at most [`MAX_BATCH`]), creates it
/// all in one transaction (`BEGIN IMMEDIATE` on SQLite, one statement on PostgreSQL), commits
/// once, answers everyone.
///
/// When the batch fails but surely did not commit (another server's writer took a hold it
/// chose, a code that collided), each create is run again alone, in a transaction of its own.
/// When the outcome may be unknown (the connection was lost), everyone in the batch is told the
/// database is unavailable and the connection is opened anew for the next batch. Ends when the
/// store is dropped.
fn writer<C: CreateWriter>(
    mut conn: Option<C>,
    connect: Connect<C>,
    jobs: mpsc::Receiver<(CreateJob, Reply)>,
) {
    // The last batch: its size and how long it took.
    let mut last = (0usize, Duration::ZERO);
    // A create taken from the queue as the last batch ended: it queued during that batch.
    let mut early = None;
    loop {
        let waiting = early.is_some();
        let first = match early.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let mut batch = vec![first];
        drain(&jobs, &mut batch, None);
        // Creates that queued during the last batch mean its callers and these are taking turns:
        // each group waits out the other's flush. Waiting a moment for the last batch's callers
        // (most send their next create at once) lets one commit take both groups.
        if waiting && last.0 > 1 {
            let wait = (last.1 / 2).min(MAX_WAIT);
            let want = batch.len() + last.0;
            drain(&jobs, &mut batch, Some((want, Instant::now() + wait)));
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match connect() {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    for (_, reply) in batch {
                        let _ = reply.send(Err(e.clone()));
                    }
                    continue;
                }
            },
        };
        let creates: Vec<&CreateJob> = batch.iter().map(|(job, _)| job).collect();
        let started = Instant::now();
        let committed = c.create_batch(&creates);
        last = (creates.len(), started.elapsed());
        // The caller may have given up waiting; nothing to do then.
        match committed.map_err(from_diesel) {
            Ok(rows) => {
                for ((_, reply), row) in batch.into_iter().zip(rows) {
                    let _ = reply.send(Ok(row));
                }
            }
            Err(StoreError::Unavailable(e)) => {
                conn = None;
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError::Unavailable(e.clone())));
                }
            }
            Err(e) => {
                tracing::debug!(creates = batch.len(), error = %e, "batch undone; its creates run alone");
                let mut lost = false;
                for (job, reply) in batch {
                    let alone = c.create_one(&job).map_err(from_diesel);
                    lost |= matches!(alone, Err(StoreError::Unavailable(_)));
                    let _ = reply.send(alone);
                }
                if lost {
                    conn = None;
                }
            }
        }
        early = jobs.try_recv().ok();
    }
}

/// Moves queued creates into `batch`, up to [`MAX_BATCH`]: those already queued, or with
/// `until = (n, deadline)` also those arriving before the deadline, until the batch holds `n`.
fn drain<T>(jobs: &mpsc::Receiver<T>, batch: &mut Vec<T>, until: Option<(usize, Instant)>) {
    while batch.len() < MAX_BATCH {
        let next = match until {
            None => jobs.try_recv().ok(),
            Some((n, _)) if batch.len() >= n => None,
            Some((_, deadline)) => jobs
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok(),
        };
        match next {
            Some(job) => batch.push(job),
            None => break,
        }
    }
}
