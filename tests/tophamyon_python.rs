//! The TopHamyon document's Python `requests` sample, run for real against `kassa serve --demo`
//! (`tests/clients/tophamyon_sample.py`). Skipped, saying so, when `python3` or `requests` is
//! missing; CI installs `requests`.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

fn python_with_requests() -> bool {
    Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn the_documents_python_sample_works_unchanged() {
    if !python_with_requests() {
        eprintln!("SKIPPED: python3 requests not installed");
        return;
    }
    let server = common::Server::demo();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/tophamyon_sample.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(&server.base)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the sample failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    // The document's own sample, as written: the good key, then a wrong one.
    assert_eq!(
        lines.first(),
        Some(&"✅ Do'kon mavjud va aktiv"),
        "{stdout}"
    );
    assert_eq!(
        lines.get(1),
        Some(&"❌ Xatolik: Invalid shop key"),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"ALL OK"), "{stdout}");
}
