//! Group commit for SQLite writes: concurrent writes queue for one writer thread, which runs as
//! many as are waiting in one transaction (each in a savepoint of its own) and commits once. With
//! `synchronous=FULL` every commit costs an fsync; shared by a batch, durability stays full while
//! the cost of the fsync is divided. A caller's result is returned only after its commit.

use crate::errors::{from_connection, from_diesel};
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, result::Error as DieselError};
use payments_core::StoreError;
use std::sync::mpsc;

/// Most writes one commit takes.
const MAX_BATCH: usize = 256;

/// A queued write, type-erased.
trait Job: Send {
    /// Runs the write in a savepoint of the batch's transaction.
    fn run(&mut self, conn: &mut SqliteConnection);
    /// Hands the caller its result once the batch's commit is known.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

struct Typed<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, DieselError>>,
    reply: mpsc::SyncSender<Result<T, StoreError>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send,
    F: FnOnce(&mut SqliteConnection) -> Result<T, DieselError> + Send,
{
    fn run(&mut self, conn: &mut SqliteConnection) {
        if let Some(work) = self.work.take() {
            // A failing write rolls back its own savepoint only.
            self.outcome = Some(conn.transaction(work));
        }
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

/// The queue in front of the writer thread.
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl GroupCommit {
    /// Opens the writer's own connection to the SQLite file and starts its thread.
    pub(crate) fn start(path: &str) -> Result<GroupCommit, StoreError> {
        let mut conn = SqliteConnection::establish(path).map_err(from_connection)?;
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
        )
        .map_err(from_diesel)?;
        let (queue, jobs) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("kassa-sqlite-writer".into())
            .spawn(move || writer(conn, jobs))
            .map_err(|e| StoreError::Other(format!("cannot start the SQLite writer: {e}")))?;
        Ok(GroupCommit { queue })
    }

    /// Runs `work` in the next batch and returns its result after that batch's commit.
    pub(crate) fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection) -> Result<T, DieselError> + Send + 'static,
    {
        let (reply, result) = mpsc::sync_channel(1);
        let job = Box::new(Typed {
            work: Some(work),
            outcome: None,
            reply,
        });
        self.queue
            .send(job)
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        result
            .recv()
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?
    }
}

/// The writer: takes what is queued (at least one write, at most [`MAX_BATCH`]), runs it all in
/// one `BEGIN IMMEDIATE` transaction, commits once, answers everyone. Ends when the store is
/// dropped.
fn writer(mut conn: SqliteConnection, jobs: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = conn
            .immediate_transaction(|c| {
                for job in batch.iter_mut() {
                    job.run(c);
                }
                Ok::<_, DieselError>(())
            })
            .map_err(from_diesel);
        for job in batch {
            job.finish(committed.clone());
        }
    }
}
