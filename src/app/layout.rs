//! Where each panel goes on a screen of a given size. The App uses it to keep pod scrolling
//! within what can be seen; the UI draws into it.

use ratatui::layout::{Constraint, Layout, Rect};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Where each panel goes on a screen of at least MIN_WIDTH×MIN_HEIGHT.
pub struct Panels {
    pub header: Rect,
    pub gauge: Rect,
    pub chart: Rect,
    pub scaling: Rect,
    pub pods: Rect,
    pub events: Rect,
    pub keys: Rect,
}

/// `big`: the gauge panel becomes the big-number display (`--big`), taller.
pub fn panels(area: Rect, big: bool) -> Panels {
    let gauge_h = match (big, area.height >= 30) {
        (true, _) => crate::presenter::BIG_HEIGHT + 2,
        (false, true) => 5,
        (false, false) => 4,
    };
    let [header, gauge, body, keys] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(gauge_h),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [upper, lower] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let [chart, scaling] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(upper);
    let [pods, events] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(lower);
    Panels {
        header,
        gauge,
        chart,
        scaling,
        pods,
        events,
        keys,
    }
}

/// Pod rows the table shows on a terminal of this size (borders and the header row excluded);
/// the App keeps scrolling within it.
pub fn pod_rows_visible(width: u16, height: u16, big: bool) -> usize {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return 0;
    }
    usize::from(
        panels(Rect::new(0, 0, width, height), big)
            .pods
            .height
            .saturating_sub(3),
    )
}
