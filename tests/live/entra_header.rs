//! Keyless live mode: the header names who signs in with Entra ID (never a token); with keys,
//! or in the simulator, it says nothing about it.

use kedatui::app::{App, AppConfig, Mode};
use kedatui::event::Event;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn header(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).unwrap();
    terminal.draw(|f| f.render_widget(app, f.area())).unwrap();
    let screen = terminal.backend().to_string();
    screen.lines().next().unwrap().to_owned()
}

fn app(mode: Mode, sign_in: Option<&str>) -> App {
    let mut app = App::new(AppConfig {
        mode,
        ..AppConfig::default()
    });
    app.sign_in = sign_in.map(str::to_owned);
    app.update(Event::Tick {
        now: jiff::Timestamp::from_second(1_790_000_000).unwrap(),
    });
    app
}

#[test]
fn the_header_names_the_entra_identity_in_live_mode() {
    let line = header(&app(Mode::Live, Some("ana@contoso.com")));
    assert!(line.contains("Entra: ana@contoso.com"), "{line}");
    let line = header(&app(Mode::Live, None));
    assert!(!line.contains("Entra"), "{line}");
    // After the Wi-Fi fallback the simulator runs: no sign-in to show.
    let line = header(&app(Mode::Simulator, Some("ana@contoso.com")));
    assert!(!line.contains("Entra"), "{line}");
}
