//! The HTTP ceiling of this machine for `scripts/bench.sh`: a bare actix-web handler that answers
//! a fixed JSON body, with the same worker count as `kassa serve` (one per core) and nothing
//! else (no database, no logging, no middleware).
//!
//! ```sh
//! cargo run --release --example bench_bare -- 127.0.0.1:18080
//! ```

use actix_web::{App, HttpResponse, HttpServer, web};

const BODY: &str =
    r#"{"success":true,"payment_id":"PAY_1764000000_bench","status":"pending","amount":50000.00}"#;

async fn fixed() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}

fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18080".to_owned());
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().default_service(web::to(fixed)))
            .workers(workers)
            .bind(&listen)?
            .run()
            .await
    })
}
