//! Hand-built model values shared by the UI snapshots and the render benchmark (which includes
//! this file by path); the one definition lives in `kedatui_core::fixtures`.

pub use kedatui_core::fixtures::demo_scaled_object;
