//! Environments and client registrations.
