//! Group commit for creates, on both backends: concurrent creates queue for one writer thread,
//! which runs as many as are waiting in one transaction (each in a savepoint of its own) and
//! commits once. Every commit costs a durable flush (SQLite `synchronous=FULL`, PostgreSQL's
//! WAL flush); shared by a batch, durability stays full while its cost is divided. A caller's
//! result is returned only after its commit.
//!
//! A create also takes its shop's order number (`shop_order_counts`, see the migration
//! `order_pages`): one row per shop, locked until commit. In a batch that lock is taken once per
//! batch instead of once per create, which is what keeps creates of one shop from queueing
//! behind each other's flushes on PostgreSQL.

use crate::conn::WriteTx;
use crate::errors::from_diesel;
use diesel::result::Error as DieselError;
use payments_core::StoreError;
use std::sync::mpsc;

/// Most writes one commit takes.
const MAX_BATCH: usize = 256;

/// A queued write, type-erased.
trait Job<C>: Send {
    /// Runs the write in a savepoint of the batch's transaction.
    fn run(&mut self, conn: &mut C);
    /// Runs the write again in a transaction of its own (after its batch failed as a whole).
    fn run_alone(&mut self, conn: &mut C);
    /// Hands the caller its result once the commit is known.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

struct Typed<T, F> {
    work: F,
    outcome: Option<Result<T, DieselError>>,
    reply: mpsc::SyncSender<Result<T, StoreError>>,
}

impl<C, T, F> Job<C> for Typed<T, F>
where
    C: WriteTx,
    T: Send,
    F: Fn(&mut C) -> Result<T, DieselError> + Send,
{
    fn run(&mut self, conn: &mut C) {
        // A failing write rolls back its own savepoint only.
        let outcome = conn.transaction(|c| (self.work)(c));
        self.outcome = Some(outcome);
    }

    fn run_alone(&mut self, conn: &mut C) {
        let outcome = conn.write_tx(|c| (self.work)(c));
        self.outcome = Some(outcome);
    }

    fn finish(self: Box<Self>, committed: Result<(), StoreError>) {
        let result = match (committed, self.outcome) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(outcome)) => outcome.map_err(from_diesel),
            (Ok(()), None) => Err(StoreError::Other("a queued write did not run".into())),
        };
        // The caller may have given up waiting; nothing to do then.
        let _ = self.reply.send(result);
    }
}

/// Opens the writer's connection (again, after it was lost).
type Connect<C> = Box<dyn Fn() -> Result<C, StoreError> + Send>;

/// The queue in front of the writer thread.
pub(crate) struct GroupCommit<C> {
    /// `None` only while dropping.
    queue: Option<mpsc::Sender<Box<dyn Job<C>>>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// Dropping the store stops the writer and waits for it, so its connection is closed before
/// anyone reopens the database (a lingering writer holds SQLite's file a moment longer).
impl<C> Drop for GroupCommit<C> {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl<C: WriteTx + Send + 'static> GroupCommit<C> {
    /// Opens the writer's own connection with `connect` and starts its thread.
    pub(crate) fn start(
        connect: impl Fn() -> Result<C, StoreError> + Send + 'static,
    ) -> Result<GroupCommit<C>, StoreError> {
        let conn = connect()?;
        let (queue, jobs) = mpsc::channel::<Box<dyn Job<C>>>();
        let handle = std::thread::Builder::new()
            .name("kassa-db-writer".into())
            .spawn(move || writer(Some(conn), Box::new(connect), jobs))
            .map_err(|e| StoreError::Other(format!("cannot start the database writer: {e}")))?;
        Ok(GroupCommit {
            queue: Some(queue),
            writer: Some(handle),
        })
    }

    /// Runs `work` in the next batch and returns its result after that batch's commit. `work`
    /// may run twice (the second time alone, when its batch failed as a whole); only one run is
    /// ever committed.
    pub(crate) fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut C) -> Result<T, DieselError> + Send + 'static,
    {
        let (reply, result) = mpsc::sync_channel(1);
        let job = Box::new(Typed {
            work,
            outcome: None,
            reply,
        });
        self.queue
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the database writer has stopped".into()))?
            .send(job)
            .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?;
        result
            .recv()
            .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?
    }
}

/// The writer: takes what is queued (at least one write, at most [`MAX_BATCH`]), runs it all in
/// one write transaction (`BEGIN IMMEDIATE` on SQLite), commits once, answers everyone.
///
/// When the batch fails as a whole but surely did not commit (a deadlock with another server's
/// writer, say), each write is run again alone. When the outcome may be unknown (the connection
/// was lost), everyone in the batch is told the database is unavailable and the connection is
/// opened anew for the next batch. Ends when the store is dropped.
fn writer<C: WriteTx>(
    mut conn: Option<C>,
    connect: Connect<C>,
    jobs: mpsc::Receiver<Box<dyn Job<C>>>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match connect() {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    for job in batch {
                        job.finish(Err(e.clone()));
                    }
                    continue;
                }
            },
        };
        let committed = c
            .write_tx(|c| {
                for job in batch.iter_mut() {
                    job.run(c);
                }
                Ok::<_, DieselError>(())
            })
            .map_err(from_diesel);
        match committed {
            Err(StoreError::Unavailable(e)) => {
                conn = None;
                for job in batch {
                    job.finish(Err(StoreError::Unavailable(e.clone())));
                }
            }
            Err(_) if batch.len() > 1 => {
                for mut job in batch {
                    job.run_alone(c);
                    job.finish(Ok(()));
                }
            }
            committed => {
                for job in batch {
                    job.finish(committed.clone());
                }
            }
        }
    }
}
