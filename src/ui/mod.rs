//! Drawing: a pure function of the App (`impl Widget for &App`), one module per panel.

pub mod chart;
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

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small::render(area, buf);
            return;
        }
        let gauge_h = if area.height >= 30 { 5 } else { 4 };
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
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .areas(upper);
        let [pods, events] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .areas(lower);

        header::render(self, header, buf);
        gauge::render(self, gauge, buf);
        chart::render(self, chart, buf);
        scaling::render(self, scaling, buf);
        pods::render(self, pods, buf);
        events::render(self, events, buf);
        keybar::render(self, keys, buf);
        if self.show_help {
            help::render(self, area, buf);
        }
    }
}
