//! App state and `update`.
