//! The use case.
