//! krr-inspector: log in through ID-porten, fetch the logged-in person's record from the Norwegian contact and
//! reservation register (KRR), and explain it: the JOSE signature verdict and every field beside its code-list
//! meaning. The same library drives the desktop app, the `fetch`/`explain` commands and the local emulator.
//!
//! The rooms, top to bottom; a room imports only rooms below it (ARCHITECTURE.md has the whole plan):
//! `gui` → `inspect` → `emulator` | `oidc` → `config` → `krr` → `jose` → `lang` | `escape`.
//! (`inspect` starts the in-process emulator for `local`; `krr` describes a person's certificate with
//! `jose::cert`; `lang` and `escape` import nothing of ours.)

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
