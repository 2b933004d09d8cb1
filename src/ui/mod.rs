//! Drawing: a pure function of the App (`impl Widget for &App`), one module per panel.

pub mod big;
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
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::app::App;

pub use crate::app::layout::{MIN_HEIGHT, MIN_WIDTH, Panels, panels, pod_rows_visible};

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small::render(self, area, buf);
            return;
        }
        let p = panels(area, self.presenter.big);
        header::render(self, p.header, buf);
        if self.presenter.big {
            big::render(self, p.gauge, buf);
        } else {
            gauge::render(self, p.gauge, buf);
        }
        chart::render(self, p.chart, buf);
        scaling::render(self, p.scaling, buf);
        pods::render(self, p.pods, buf);
        events::render(self, p.events, buf);
        keybar::render(self, p.keys, buf);
        echo::render(self, p.keys, buf);
        if self.prompt.show_help {
            help::render(self, area, buf);
        }
        crate::presenter::theme::apply(self.presenter.theme, area, buf);
    }
}
