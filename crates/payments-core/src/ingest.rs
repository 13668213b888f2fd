//! Bank-notification text in, settled payments out: what `POST /admin/notifications` and
//! `kassa ingest` run.

use crate::notification::{self, NotTopUpKind, Notice};
use crate::{IncomingPayment, Money, PaymentError, Payments, Settlement};

/// The source name of payments read from bank notifications.
pub const NOTIFICATION_SOURCE: &str = "notification";

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// A top-up, recorded and settled: matched, kept for review, or a duplicate.
    Settled(Settlement),
    /// Not money coming in (outgoing, reversal, or not a notification): never credited.
    NotTopUp {
        /// What kind of message it is.
        kind: NotTopUpKind,
        /// What was seen, for the operator.
        detail: String,
    },
}

/// One message of an ingested body and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestLine {
    /// The message's first line, for the report.
    pub excerpt: String,
    /// The card's last four digits, for a top-up.
    pub card_last4: Option<String>,
    /// The amount read, for a top-up.
    pub amount: Option<Money>,
    /// What became of it.
    pub outcome: IngestOutcome,
}

impl Payments {
    /// Reads a body of one or more notification messages (separated by blank lines), records
    /// every top-up and settles it, in this call. Messages already seen are duplicates.
    pub fn ingest_notifications(&self, body: &str) -> Result<Vec<IngestLine>, PaymentError> {
        let received_at = self.now();
        let mut lines = Vec::new();
        for message in notification::split_messages(body) {
            let excerpt: String = message
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(80)
                .collect();
            let top_up = match notification::parse(message) {
                Notice::TopUp(t) => t,
                Notice::NotTopUp { kind, detail } => {
                    lines.push(IngestLine {
                        excerpt,
                        card_last4: None,
                        amount: None,
                        outcome: IngestOutcome::NotTopUp { kind, detail },
                    });
                    continue;
                }
            };
            let mut payment = IncomingPayment {
                source: NOTIFICATION_SOURCE.into(),
                reference: String::new(),
                card_last4: top_up.card_last4.clone(),
                amount: top_up.amount,
                paid_at: top_up.at,
                received_at,
                raw: Some(message.to_owned()),
            };
            payment.reference = IncomingPayment::notification_reference(
                &payment.card_last4,
                payment.amount,
                payment.minute(),
            );
            let outcome = IngestOutcome::Settled(self.settle(&payment)?);
            lines.push(IngestLine {
                excerpt,
                card_last4: Some(top_up.card_last4),
                amount: Some(top_up.amount),
                outcome,
            });
        }
        Ok(lines)
    }
}
