//! SQLite storage faults, produced for real: a full disk (the database on a small tmpfs this
//! test mounts, filled up with a file) and a read-only database file (`chattr +i`, which even
//! root cannot write through, and which also stops writes through files already open on ext4).
//! The server must answer writes 503 with the dialect's body (never 500), keep serving reads,
//! corrupt nothing (`PRAGMA integrity_check`, ledger and balances), and recover by itself when
//! the space or the permission returns. Both need root; without it the test says SKIPPED.

mod common;

use common::checks;
use common::{Db, Server};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmpfs of a given size mounted on a temporary directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            Ok(o) => {
                skip(&format!(
                    "cannot mount a tmpfs: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ));
                None
            }
            Err(e) => {
                skip(&format!("cannot run mount: {e}"));
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn skip(why: &str) {
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED (fault injection): {why}");
}

fn chattr(flag: &str, paths: &[PathBuf]) -> bool {
    Command::new("chattr")
        .arg(flag)
        .args(paths)
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `chattr +i` here stops writes through a file opened before it (ext4 does; tmpfs
/// does not).
fn immutable_stops_open_files(dir: &Path) -> bool {
    let probe = dir.join("probe");
    let Ok(mut file) = std::fs::File::create(&probe) else {
        return false;
    };
    if !chattr("+i", std::slice::from_ref(&probe)) {
        return false;
    }
    let refused = file.write_all(b"x").and_then(|()| file.sync_all()).is_err();
    chattr("-i", std::slice::from_ref(&probe));
    let _ = std::fs::remove_file(&probe);
    refused
}

/// Fills the file system under `dir` to the last byte; the filler's path.
fn fill(dir: &Path) -> (PathBuf, u64) {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let chunk = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    // Bounded by the tmpfs's size.
    for _ in 0..100_000 {
        match file.write(&chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n as u64,
        }
    }
    // The last partial pages, byte by byte-ish.
    for _ in 0..100_000 {
        match file.write(&chunk[..512]) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n as u64,
        }
    }
    let _ = file.sync_all();
    (path, written)
}

/// One write through a dialect: a create. `Ok(code)` on success, `Err(body)` on a 503 with the
/// dialect's body; anything else fails the test.
fn create(server: &Server, rasmiy: bool, amount: u64) -> Result<String, Value> {
    let r = if rasmiy {
        server.post_form(
            "/api?method=create",
            &[
                ("shop_id", "695008"),
                ("shop_key", "Z631XLBO7O"),
                ("amount", &amount.to_string()),
            ],
        )
    } else {
        server.get(&format!(
            "/api/create_payment?shop_id=101&shop_key=test_key_123&amount={amount}"
        ))
    };
    let body = r.json();
    match (r.status, rasmiy) {
        (200, true) if body["status"] == "success" => {
            Ok(body["order"].as_str().expect("order").to_owned())
        }
        (200, false) if body["success"] == true => {
            Ok(body["order_id"].as_str().expect("order_id").to_owned())
        }
        (503, true) if body["status"] == "error" && body["code"] == "unavailable" => Err(body),
        (503, false) if body["success"] == false && body["code"] == "service_unavailable" => {
            Err(body)
        }
        _ => panic!(
            "a write under a storage fault answered {} {}:\n{}",
            r.status,
            r.body,
            server.logs()
        ),
    }
}

/// Writes of each kind tried once the fault shows (all must be refused).
const REFUSED_WRITES: u64 = 20;

/// Runs writes of both dialects (and confirms) until the fault shows; returns the acknowledged
/// orders and how many writes succeeded before the first 503.
fn write_until_refused(server: &Server, acknowledged: &mut Vec<String>) -> usize {
    let mut before = 0;
    for i in 0..3000u64 {
        match create(server, i % 2 == 0, 1000 + i) {
            Ok(code) => {
                before += 1;
                acknowledged.push(code);
            }
            Err(_) => {
                // Once refused, every write is refused alike: both dialects' creates, the
                // RasmiyPay cancel and the admin confirm, each with its own 503 body.
                let pending = acknowledged.first().expect("an order").clone();
                for j in 0..REFUSED_WRITES {
                    assert!(create(server, j % 2 == 0, 2000 + i + j).is_err());
                    let r = server.confirm(&pending);
                    assert_eq!(r.status, 503, "confirm under a fault: {}", r.body);
                    assert_eq!(r.json()["code"], "unavailable", "{}", r.body);
                    let r = server.post_form("/api?method=cancel", &[("order", &pending)]);
                    assert_eq!(r.status, 503, "cancel under a fault: {}", r.body);
                    assert_eq!(r.json()["code"], "unavailable", "{}", r.body);
                }
                return before;
            }
        }
    }
    panic!("3000 writes went through: the fault never showed");
}

/// Polls writes until one goes through again; how long it took.
fn until_writes_work(server: &Server, acknowledged: &mut Vec<String>) -> Duration {
    let t = Instant::now();
    for i in 0..600u64 {
        if let Ok(code) = create(server, i % 2 == 0, 7000 + i) {
            acknowledged.push(code);
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("writes did not recover:\n{}", server.logs());
}

fn after_the_fault(server: &mut Server, acknowledged: &[String]) -> checks::Tally {
    // Reads and more writes on the recovered store; a confirm pays one of the orders.
    let last = acknowledged.last().expect("an order");
    let r = server.confirm(last);
    assert_eq!(r.status, 200, "{}", r.body);
    let check_all = |server: &Server| {
        let store = checks::open(&server.db_url);
        for code in acknowledged {
            assert!(
                checks::status_of(&store, code).is_some(),
                "order {code} was acknowledged but is gone"
            );
        }
        let tally = checks::assert_consistent(&store);
        let (code, out, err) = server.cli(&["verify"]);
        assert_eq!(code, 0, "kassa verify: {out}{err}");
        tally
    };
    check_all(server);
    // And after a kill -9 and a restart on the same file.
    server.restart();
    check_all(server)
}

#[test]
fn sqlite_disk_full_answers_503_and_recovers() {
    let Some(mount) = Tmpfs::mount("24m") else {
        return;
    };
    let db = mount.path().join("kassa.db");
    let mut server = Server::start(
        Db::Shared(db.to_string_lossy().into_owned()),
        &["--demo"],
        &[("KASSA_TICK", "500ms")],
    );
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        acknowledged.push(create(&server, i % 2 == 0, 1000 + i).expect("create"));
    }
    let (filler, filled) = fill(mount.path());
    let t = Instant::now();
    let before = write_until_refused(&server, &mut acknowledged);
    let refused_after = t.elapsed();
    // Reads still answer.
    let r = server.get(&format!("/api/check_payment?order_id={}", acknowledged[0]));
    assert_eq!(r.status, 200, "a read on a full disk: {}", r.body);
    let health = server.get("/health").status;

    std::fs::remove_file(&filler).expect("free the space");
    let recovered_in = until_writes_work(&server, &mut acknowledged);
    let tally = after_the_fault(&mut server, &acknowledged);
    eprintln!(
        "disk full (tmpfs 24 MiB, {:.1} MiB filler): {before} writes went through on the full \
         disk before the first 503 ({:.2} s), then {} more writes (creates of both dialects, \
         cancels, confirms) all 503 with their bodies; reads 200, /health {health}; space freed → writes back in {:.2} s without a restart; integrity_check ok, \
         {} orders ({} paid), verify clean, again after a kill -9",
        filled as f64 / (1024.0 * 1024.0),
        refused_after.as_secs_f64(),
        REFUSED_WRITES * 3,
        recovered_in.as_secs_f64(),
        tally.orders,
        tally.paid,
    );
}

#[test]
fn sqlite_read_only_file_answers_503_and_recovers() {
    let mut server = Server::demo_with(&[("KASSA_TICK", "500ms")]);
    if !immutable_stops_open_files(server.dir()) {
        skip("chattr +i does not stop writes through open files on this file system");
        return;
    }
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        acknowledged.push(create(&server, i % 2 == 0, 1000 + i).expect("create"));
    }
    let files: Vec<PathBuf> = ["", "-wal"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", server.db_url)))
        .filter(|p| p.exists())
        .collect();
    assert!(chattr("+i", &files), "chattr +i {files:?}");
    // Undo it whatever happens, or the temporary directory cannot be removed.
    struct Undo(Vec<PathBuf>);
    impl Drop for Undo {
        fn drop(&mut self) {
            chattr("-i", &self.0);
        }
    }
    let undo = Undo(files);
    let before = write_until_refused(&server, &mut acknowledged);
    let r = server.get(&format!("/api/check_payment?order_id={}", acknowledged[0]));
    assert_eq!(r.status, 200, "a read on a read-only file: {}", r.body);
    let health = server.get("/health").status;

    drop(undo);
    let recovered_in = until_writes_work(&server, &mut acknowledged);
    let tally = after_the_fault(&mut server, &acknowledged);
    eprintln!(
        "read-only database file (chattr +i on the file and its WAL): {before} writes went \
         through before the first 503, then {} more writes (creates of both dialects, cancels, \
         confirms) all 503 with their bodies; reads 200, /health {health}; chattr -i → writes back in {:.2} s without a restart; integrity_check ok, {} orders \
         ({} paid), verify clean, again after a kill -9",
        REFUSED_WRITES * 3,
        recovered_in.as_secs_f64(),
        tally.orders,
        tally.paid,
    );
}

/// The server starts while other processes open and close the same file (an operator's
/// `kassa verify` from cron, say; the last connection to close checkpoints the WAL and holds
/// the file for a moment): it must wait its busy timeout, not fail at once with "database is
/// locked".
#[test]
fn sqlite_restarts_while_other_processes_use_the_file() {
    const RESTARTS: usize = 20;
    let mut server = Server::demo();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (db_url, dir) = (server.db_url.clone(), server.dir().to_owned());
    let busy = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && runs < 10_000 {
                let out = Command::new(common::kassa_bin())
                    .arg("verify")
                    .env("DATABASE_URL", &db_url)
                    .env("KASSA_SECRET", common::SECRET)
                    .current_dir(&dir)
                    .output()
                    .expect("kassa verify");
                assert!(
                    out.status.success(),
                    "kassa verify: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                runs += 1;
            }
            runs
        })
    };
    for _ in 0..RESTARTS {
        // A store opened and dropped by this process too: its last connection checkpoints as it
        // closes, while the server is killed and started again.
        let store = checks::open(&server.db_url);
        checks::sqlite_integrity(&store);
        drop(store);
        server.restart();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let runs = busy.join().expect("verify loop");
    let r = server.get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=5000");
    assert_eq!(r.status, 200, "{}", r.body);
    eprintln!(
        "{RESTARTS} restarts while `kassa verify` ran {runs} times on the same file: all started"
    );
}
