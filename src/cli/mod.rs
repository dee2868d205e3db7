//! The binary's own modules (not part of the library): the clap definitions and each command's wiring. Every
//! decision they need is in the library (`inspect::plan` for a login, `inspect::render`/`export` for output).

pub(crate) mod args;
pub(crate) mod files;
pub(crate) mod lookup;
pub(crate) mod serve;
