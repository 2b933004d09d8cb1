//! Colours and styles, chosen to read on a projector: few colours, bold where it matters.

use ratatui::style::{Color, Modifier, Style};

pub const DEPTH: Color = Color::Cyan;
pub const IN_FLIGHT: Color = Color::Yellow;
pub const DEAD_LETTER: Color = Color::Red;
pub const SPEC_REPLICAS: Color = Color::Yellow;
pub const READY_REPLICAS: Color = Color::Green;
pub const BURST_MARKER: Color = Color::Magenta;
pub const ACTIVATED_MARKER: Color = Color::Green;
pub const DEACTIVATED_MARKER: Color = Color::Red;

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn label() -> Style {
    Style::new().fg(Color::Gray)
}

pub fn value() -> Style {
    Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn key() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

pub fn key_disabled() -> Style {
    Style::new().fg(Color::Black).bg(Color::DarkGray)
}

pub fn good() -> Style {
    Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
}

pub fn warn() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn bad() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

/// A pod row by its kubectl STATUS (k9s colours: green running, yellow starting, red failing).
pub fn pod_status(status: &str, ready: bool, deleting: bool) -> Style {
    if deleting || status == "Terminating" {
        return dim().add_modifier(Modifier::DIM);
    }
    match status {
        "Running" if ready => Style::new().fg(Color::Green),
        "Running" | "Pending" | "ContainerCreating" | "PodInitializing" => {
            Style::new().fg(Color::Yellow)
        }
        "Completed" | "Succeeded" => Style::new().fg(Color::Blue),
        s if s.starts_with("Init:") => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// New rows flash in reverse video.
pub fn flash() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::LightGreen)
        .add_modifier(Modifier::BOLD)
}
