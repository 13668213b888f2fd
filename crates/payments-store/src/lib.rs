//! payments-store
