//! tophamyon-api
