//! rasmiy-api
