//! The register's language: the person model, code lists in Bokmål and English, the 18-month rule, scope
//! dialects and national ids. Pure data and functions: no I/O, no async, no egui.

pub mod codes;
pub mod explain;
pub mod fields;
pub mod login;
pub mod national_id;
pub mod person;
pub mod rules;
pub mod scopes;
pub mod time;

pub use codes::{
    Code, CodeList, Lang, MailboxProvider, Reservasjon, Spraak, Status, Varslingsstatus,
};
pub use explain::{FieldExplanation, Flag, explain};
pub use national_id::{IdError, IdKind, NationalId, Synthetic, generate_synthetic};
pub use person::{DigitalPost, Kontaktinformasjon, Lenient, Person, PersonError};
pub use rules::{ExpectedVarsling, expected_varslingsstatus};
pub use scopes::{ScopeCheck, ScopeDialect, ScopeInfo, scope_check};
pub use time::Timestamp;
