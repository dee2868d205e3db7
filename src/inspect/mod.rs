//! The use case: from a /person answer (and, in later stages, the login that fetched it) to one serialisable
//! report that every face of the program shows. Async and network parts come with the login engine.

pub mod body;
pub mod render;

pub use body::{BodyInspection, inspect_body};
