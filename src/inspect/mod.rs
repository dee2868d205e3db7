//! The use case: login → GET /person → one serialisable `Inspection` that every face of the program shows (the
//! app renders it, `fetch` prints it, tests assert on it). Emits progress events. Async, no egui.

mod answer;
pub mod body;
pub mod compare;
pub mod display;
pub mod doctor;
pub mod export;
pub mod faults;
pub mod history;
pub mod history_writer;
pub mod language;
pub mod language_report;
pub mod lookup;
pub mod matrix;
pub mod matrix_reason;
pub mod opened;
mod person_request;
pub mod persons;
pub mod plan;
mod problem_text;
pub mod render;
pub mod report;
pub mod reverify;
pub mod secrets;
pub mod session;
pub mod session_report;
pub mod targets;
pub mod trust;

pub use body::{BodyInspection, inspect_body};
pub use language::{LanguageChangeError, can_change_language, change_language};
pub use lookup::{Accept, Inspection, LookupRequest, Progress, Target, default_scopes, run_lookup};
pub use plan::{Choices, Place, Plan, PlanError, plan};
pub use targets::{KeySource, Targets, http_client};
