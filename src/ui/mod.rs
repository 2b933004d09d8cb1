//! Drawing: `impl Widget for &App`, one module per panel.
