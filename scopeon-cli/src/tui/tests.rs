//! Every view drawn with ratatui's `TestBackend` over the demo corpus at a fixed "now"
//! (`SCOPEON_NOW`), at 80x24 and 160x48, compared with insta snapshots; and the keys.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use scopeon_core::Scopeon;
use scopeon_core::env::Env;

use super::app::{Action, App, Theme};
use super::data::{Queries, View};
use super::{load, views};

/// Minutes after the corpus's last request: a Claude block and a session are active.
const NOW: &str = "2026-11-26T16:15:00Z";

struct Fixture {
    _dir: tempfile::TempDir,
    scopeon: Scopeon,
    queries: Queries,
}

fn fixture() -> Fixture {
    let dir = crate::demo::unpack().ok().unwrap();
    let (db, env) = crate::demo::setup(&dir).ok().unwrap();
    let env: Env = env
        .with_var("SCOPEON_NOW", Some(NOW))
        .with_var("TZ", Some("UTC"));
    let mut scopeon = Scopeon::builder()
        .env(env)
        .db(db)
        .no_config()
        .open()
        .unwrap();
    scopeon.scan(&crate::demo::scan_request()).unwrap();
    Fixture {
        _dir: dir,
        scopeon,
        queries: Queries {
            tz: None,
            token_limit: Some("max".into()),
        },
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// The app after `keys`, loaded as the event loop would.
fn app_after(f: &Fixture, theme: Theme, keys: &[KeyCode]) -> App {
    let mut app = App::new(theme, NOW.parse().unwrap());
    app.loaded = Some(load(&app, &f.scopeon, &f.queries).unwrap());
    for &k in keys {
        if app.on_key(key(k)) == Action::Load {
            app.loaded = Some(load(&app, &f.scopeon, &f.queries).unwrap());
        }
    }
    app
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| views::draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

const PLAIN: Theme = Theme {
    color: false,
    ascii: false,
};

#[test]
fn every_view_at_80x24_and_160x48() {
    let f = fixture();
    let cases: [(&str, &[KeyCode]); 7] = [
        ("live", &[]),
        ("daily", &[KeyCode::Char('2')]),
        ("models", &[KeyCode::Char('3')]),
        ("projects", &[KeyCode::Char('4')]),
        ("sessions", &[KeyCode::Char('5'), KeyCode::Down]),
        (
            "session",
            &[KeyCode::Char('5'), KeyCode::Down, KeyCode::Enter],
        ),
        ("help", &[KeyCode::Char('?')]),
    ];
    for (name, keys) in cases {
        let app = app_after(&f, PLAIN, keys);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&app, w, h));
        }
    }
}

#[test]
fn ascii_draws_without_box_or_block_characters() {
    let f = fixture();
    for keys in [&[][..], &[KeyCode::Char('2')], &[KeyCode::Char('5')]] {
        let app = app_after(
            &f,
            Theme {
                color: false,
                ascii: true,
            },
            keys,
        );
        let text = screen(&app, 80, 24);
        assert!(text.is_ascii(), "{text}");
        if keys.is_empty() {
            insta::assert_snapshot!("live_80x24_ascii", text);
        }
    }
}

#[test]
fn live_figures_are_the_core_answers() {
    let f = fixture();
    let app = app_after(&f, PLAIN, &[]);
    let today = f
        .scopeon
        .report(
            &scopeon_core::ReportRequest::new()
                .since("1d")
                .until("1d")
                .by::<&str>([]),
        )
        .unwrap();
    let text = screen(&app, 160, 48);
    let totals = today.report().totals;
    assert!(totals.requests > 0);
    assert!(text.contains(&format!(
        "Requests {}",
        super::format::thousands(totals.requests)
    )));
    assert!(text.contains(&format!(
        "Tokens {}",
        super::format::thousands(totals.total_tokens)
    )));
    assert!(text.contains(&format!("Cost ${:.2}", totals.cost_usd().unwrap())));
}

#[test]
fn keys_switch_views_open_sessions_and_quit() {
    let f = fixture();
    let mut app = app_after(&f, PLAIN, &[]);
    assert_eq!(app.on_key(key(KeyCode::Tab)), Action::Load);
    assert_eq!(app.view, View::Daily);
    assert_eq!(app.on_key(key(KeyCode::BackTab)), Action::Load);
    assert_eq!(app.on_key(key(KeyCode::BackTab)), Action::Load);
    assert_eq!(app.view, View::Sessions);
    app.loaded = Some(load(&app, &f.scopeon, &f.queries).unwrap());
    assert_eq!(app.on_key(key(KeyCode::Enter)), Action::Load);
    assert!(app.session.is_some());
    // Esc first closes the session, then quits.
    assert_eq!(app.on_key(key(KeyCode::Esc)), Action::Load);
    assert!(app.session.is_none());
    assert_eq!(app.on_key(key(KeyCode::Esc)), Action::Quit);
    assert_eq!(app.on_key(key(KeyCode::Char('q'))), Action::Quit);
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Action::Quit
    );
    // The sort order cycles and the list follows it.
    let before = app.session_rows();
    assert_eq!(app.on_key(key(KeyCode::Char('s'))), Action::Redraw);
    assert_eq!(app.sort.as_str(), "tokens");
    let after = app.session_rows();
    assert_eq!(before.len(), after.len());
    assert!(
        after
            .windows(2)
            .all(|w| w[0].totals.total_tokens >= w[1].totals.total_tokens)
    );
}

#[test]
fn log_text_is_printable_on_screen() {
    let f = fixture();
    let mut app = app_after(&f, PLAIN, &[KeyCode::Char('3')]);
    if let Some(super::data::Figures::Groups { rows, .. }) =
        app.loaded.as_mut().map(|l| &mut l.figures)
    {
        rows[0].keys[0] = Some("evil\u{1b}]52;c;x\u{7}\u{202e}".into());
    }
    let text = screen(&app, 80, 24);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
    assert!(text.contains("evil?]52;c;x?<U+202E>"), "{text}");
}
