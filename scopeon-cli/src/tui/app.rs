//! The dashboard's state (view, selection, sort order, help, the open session) and what each
//! key does to it (docs/tui.md, "Keys").

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::data::{Figures, Group, Loaded, View};

/// How the dashboard draws: colors (off with `NO_COLOR`), ASCII only (`--ascii`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

/// The Sessions view's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSort {
    Cost,
    Tokens,
    Requests,
    Name,
}

impl SessionSort {
    fn next(self) -> SessionSort {
        match self {
            SessionSort::Cost => SessionSort::Tokens,
            SessionSort::Tokens => SessionSort::Requests,
            SessionSort::Requests => SessionSort::Name,
            SessionSort::Name => SessionSort::Cost,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SessionSort::Cost => "cost",
            SessionSort::Tokens => "tokens",
            SessionSort::Requests => "requests",
            SessionSort::Name => "session",
        }
    }

    /// Sorts rows (largest first, or by name): the order is the view's, the numbers are not.
    pub fn sort(self, rows: &mut [Group]) {
        let name = |g: &Group| g.keys.first().cloned().flatten();
        match self {
            SessionSort::Cost => rows.sort_by(|a, b| {
                b.totals
                    .cost_pusd
                    .cmp(&a.totals.cost_pusd)
                    .then_with(|| name(a).cmp(&name(b)))
            }),
            SessionSort::Tokens => rows.sort_by(|a, b| {
                b.totals
                    .total_tokens
                    .cmp(&a.totals.total_tokens)
                    .then_with(|| name(a).cmp(&name(b)))
            }),
            SessionSort::Requests => rows.sort_by(|a, b| {
                b.totals
                    .requests
                    .cmp(&a.totals.requests)
                    .then_with(|| name(a).cmp(&name(b)))
            }),
            SessionSort::Name => rows.sort_by_key(name),
        }
    }
}

/// What the event loop does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the dashboard.
    Quit,
    /// What to show changed: load it.
    Load,
    /// Only the drawing changed.
    Redraw,
    /// Nothing.
    Nothing,
}

#[derive(Debug, Clone)]
pub struct App {
    pub view: View,
    pub theme: Theme,
    pub help: bool,
    /// The session opened from the Sessions view.
    pub session: Option<String>,
    /// The selected row of the Sessions view.
    pub selected: usize,
    pub sort: SessionSort,
    /// The figures on screen (`None` before the first load).
    pub loaded: Option<Loaded>,
    /// The clock of the header and of "time left" (redrawn each second).
    pub clock: Timestamp,
    /// A line about the data: another process is busy, a load failed, events unavailable.
    pub status: Option<String>,
}

impl App {
    pub fn new(theme: Theme, clock: Timestamp) -> App {
        App {
            view: View::Live,
            theme,
            help: false,
            session: None,
            selected: 0,
            sort: SessionSort::Cost,
            loaded: None,
            clock,
            status: None,
        }
    }

    /// The Sessions view's rows in the chosen order.
    pub fn session_rows(&self) -> Vec<Group> {
        let mut rows = match self.loaded.as_ref().map(|l| &l.figures) {
            Some(Figures::Groups { rows, .. }) if self.view == View::Sessions => rows.clone(),
            _ => Vec::new(),
        };
        self.sort.sort(&mut rows);
        rows
    }

    fn show(&mut self, view: View) -> Action {
        if self.view == view && self.session.is_none() {
            return Action::Nothing;
        }
        self.view = view;
        self.session = None;
        Action::Load
    }

    fn step(&mut self, by: isize) -> Action {
        let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0) as isize;
        let n = View::ALL.len() as isize;
        self.show(View::ALL[(i + by).rem_euclid(n) as usize])
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Action {
        if key.kind == KeyEventKind::Release {
            return Action::Nothing;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            return match key.code {
                KeyCode::Char('q') => Action::Quit,
                _ => Action::Redraw,
            };
        }
        match key.code {
            KeyCode::Char('q') => Action::Quit,
            KeyCode::Esc if self.session.is_some() => {
                self.session = None;
                Action::Load
            }
            KeyCode::Esc => Action::Quit,
            KeyCode::Char('?') => {
                self.help = true;
                Action::Redraw
            }
            KeyCode::Tab | KeyCode::Right => self.step(1),
            KeyCode::BackTab | KeyCode::Left => self.step(-1),
            KeyCode::Char(c @ '1'..='5') => self.show(View::ALL[c as usize - '1' as usize]),
            KeyCode::Char('r') => Action::Load,
            KeyCode::Char('s') if self.view == View::Sessions && self.session.is_none() => {
                self.sort = self.sort.next();
                self.selected = 0;
                Action::Redraw
            }
            KeyCode::Down | KeyCode::Char('j') if self.session.is_none() => {
                let n = self.session_rows().len();
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
                Action::Redraw
            }
            KeyCode::Up | KeyCode::Char('k') if self.session.is_none() => {
                self.selected = self.selected.saturating_sub(1);
                Action::Redraw
            }
            KeyCode::Enter if self.view == View::Sessions && self.session.is_none() => {
                let rows = self.session_rows();
                match rows
                    .get(self.selected)
                    .and_then(|g| g.keys.first().cloned().flatten())
                {
                    Some(id) => {
                        self.session = Some(id);
                        Action::Load
                    }
                    None => Action::Nothing,
                }
            }
            KeyCode::Backspace if self.session.is_some() => {
                self.session = None;
                Action::Load
            }
            _ => Action::Nothing,
        }
    }
}
