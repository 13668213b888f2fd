//! The black-box harness: starts the real `kassa` binary on a free port with a database of its
//! own (a temporary SQLite file, or a fresh PostgreSQL database) and talks HTTP to it.
#![allow(dead_code)]

pub mod chaos_proxy;
pub mod checks;
pub mod notifications;
pub mod recorder;

use payments_store::testing::PgTestDb;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
pub const SECRET: &str = "black-box-test-secret-0123456789";

/// Where the server keeps its data.
pub enum Db {
    Sqlite,
    Postgres(PgTestDb),
    /// A database another server of the test owns (several servers on one database).
    Shared(String),
}

pub struct Server {
    pub base: String,
    pub admin_token: String,
    pub db_url: String,
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    args: Vec<String>,
    child: Option<Child>,
    log: PathBuf,
    _pg: Option<PgTestDb>,
    agent: ureq::Agent,
}

pub struct Resp {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn kassa_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kassa")
}

impl Server {
    /// `kassa serve --demo` on SQLite.
    pub fn demo() -> Server {
        Server::demo_with(&[])
    }

    /// `kassa serve --demo` on SQLite with more environment.
    pub fn demo_with(env: &[(&str, &str)]) -> Server {
        Server::start(Db::Sqlite, &["--demo"], env)
    }

    /// The same on a fresh PostgreSQL database; `None` when `KASSA_TEST_PG_URL` is unset.
    pub fn demo_on_postgres(test: &str, env: &[(&str, &str)]) -> Option<Server> {
        PgTestDb::create(test).map(|pg| Server::start(Db::Postgres(pg), &["--demo"], env))
    }

    pub fn start(db: Db, args: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db_url, pg) = match db {
            Db::Sqlite => (
                dir.path().join("kassa.db").to_string_lossy().into_owned(),
                None,
            ),
            Db::Postgres(pg) => (pg.url().to_owned(), Some(pg)),
            Db::Shared(url) => (url, None),
        };
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build();
        let mut server = Server {
            base: String::new(),
            admin_token: ADMIN_TOKEN.into(),
            db_url,
            log: dir.path().join("server.log"),
            dir,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            args: args.iter().map(|a| a.to_string()).collect(),
            child: None,
            _pg: pg,
            agent,
        };
        server.spawn();
        server
    }

    /// Runs `kassa <args>` on this server's database (the operator's CLI) and returns
    /// (exit code, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.command().args(args).output().expect("run kassa");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Like [`Server::cli`], with text on standard input.
    pub fn cli_with_stdin(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        use std::io::Write;
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kassa");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).expect("stdin");
        }
        let out = child.wait_with_output().expect("wait");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(kassa_bin());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.db_url)
            .env("KASSA_SECRET", SECRET)
            .env("RUST_LOG", "info")
            .env("KASSA_ADMIN_TOKEN", &self.admin_token)
            .current_dir(self.dir.path());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn spawn(&mut self) {
        let port = free_port();
        self.base = format!("http://127.0.0.1:{port}");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let mut cmd = self.command();
        cmd.arg("serve")
            .args(&self.args)
            .env("KASSA_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log);
        self.child = Some(cmd.spawn().expect("spawn kassa"));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("kassa exited at start ({status}):\n{}", self.logs());
            }
            if let Ok(r) = self.agent.get(&format!("{}/health", self.base)).call()
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "kassa did not become healthy:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no shutdown, no flush beyond what was committed.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The server process's id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends SIGTERM (a graceful stop) without waiting.
    pub fn sigterm(&self) {
        if let Some(pid) = self.pid() {
            let status = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .expect("run kill");
            assert!(status.success(), "kill -TERM {pid} failed");
        }
    }

    /// Waits up to `within` for the server to exit; its exit status, or `None` if it still runs
    /// (it is left running).
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            let status = self.child.as_mut().map(Child::try_wait)?;
            if let Ok(Some(status)) = status {
                self.child = None;
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same database (after [`Server::kill_9`]).
    pub fn restart(&mut self) {
        self.kill_9();
        self.spawn();
    }

    pub fn logs(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send(&self, req: ureq::Request, body: Option<(&str, &[u8])>) -> Resp {
        let result = match body {
            Some((ct, bytes)) => {
                let req = if ct.is_empty() {
                    req
                } else {
                    req.set("Content-Type", ct)
                };
                req.send_bytes(bytes)
            }
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}\n{}", self.logs()),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_owned())))
            .collect();
        let mut raw = Vec::new();
        let _ = resp.into_reader().read_to_end(&mut raw);
        Resp {
            status,
            body: String::from_utf8_lossy(&raw).into_owned(),
            headers,
        }
    }

    pub fn get(&self, path_and_query: &str) -> Resp {
        self.send(self.agent.get(&self.url(path_and_query)), None)
    }

    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).expect("form");
        self.post_raw(
            path,
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
        )
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Resp {
        self.post_raw(path, Some("application/json"), body.to_string().as_bytes())
    }

    pub fn post_raw(&self, path: &str, content_type: Option<&str>, body: &[u8]) -> Resp {
        self.send(
            self.agent.post(&self.url(path)),
            Some((content_type.unwrap_or(""), body)),
        )
    }

    /// Any method, any headers, optional body: for the odd request.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let mut req = self.agent.request(method, &self.url(path));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        self.send(req, body.map(|b| ("", b)))
    }

    /// The admin API with the bearer token.
    pub fn admin(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> Resp {
        let req = self
            .agent
            .request(method, &self.url(path))
            .set("Authorization", &format!("Bearer {}", self.admin_token));
        match body {
            Some(b) => self.send(req, Some(("application/json", b.to_string().as_bytes()))),
            None => self.send(req, None),
        }
    }

    /// `POST /admin/orders/{code}/confirm`.
    pub fn confirm(&self, code: &str) -> Resp {
        self.admin("POST", &format!("/admin/orders/{code}/confirm"), None)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}
