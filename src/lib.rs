//! krr-inspector: log in through ID-porten, fetch the logged-in person's record from the Norwegian contact and
//! reservation register (KRR), and explain it: the JOSE signature verdict and every field beside its code-list
//! meaning. The same library drives the desktop app, the `fetch`/`explain` commands and the local emulator.
//!
//! Rooms, and who may use whom (arrows point down only):
//! `gui` → `inspect` → `config` / `jose` / `krr`; `krr` uses `jose::cert` to describe a person's certificate.
//! `escape` (making outside text safe for a terminal, Markdown or HTML) is a bottom room every other may use.

pub mod config;
pub mod emulator;
pub mod escape;
#[cfg(feature = "gui")]
pub mod gui;
pub mod inspect;
pub mod jose;
pub mod krr;
pub mod lang;
pub mod oidc;
