//! Drawing: a pure function of the App (`impl Widget for &App`), one module per panel.

pub mod chart;
pub mod echo;
pub mod events;
pub mod gauge;
pub mod header;
pub mod help;
pub mod keybar;
pub mod pods;
pub mod scaling;
pub mod theme;
pub mod too_small;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

use crate::app::App;

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
        (true, _) => crate::presenter::big::HEIGHT + 2,
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
/// the App uses it to keep scrolling within what can be seen.
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

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small::render(area, buf);
            return;
        }
        let p = panels(area, self.presenter.big);
        header::render(self, p.header, buf);
        if self.presenter.big {
            crate::presenter::big::render(self, p.gauge, buf);
        } else {
            gauge::render(self, p.gauge, buf);
        }
        chart::render(self, p.chart, buf);
        scaling::render(self, p.scaling, buf);
        pods::render(self, p.pods, buf);
        events::render(self, p.events, buf);
        keybar::render(self, p.keys, buf);
        echo::render(self, p.keys, buf);
        if self.show_help {
            help::render(self, area, buf);
        }
        crate::presenter::theme::apply(self.presenter.theme, area, buf);
    }
}
