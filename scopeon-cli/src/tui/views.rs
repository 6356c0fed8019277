//! Drawing: the header with the views and the clock, the view on screen, the footer with the
//! keys, and the help. Formatting only: the figures come loaded (`data`), and every text
//! from a log goes through `format::label` (docs/tui.md, "Views").

use jiff::ToSpan;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::{bar, border};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Cell, Clear, Paragraph, Row, Table, TableState,
};

use super::app::{App, Theme};
use super::data::{Figures, Group, LiveFigures, Loaded, SessionDetail, View};
use super::format::{
    bar as fill, block_headline, block_outlook, block_usage, cost, label, moment, percent, span,
    tail, thousands,
};
use scopeon_core::store::Totals;

/// Borders drawn with `+`, `-` and `|` under `--ascii`.
const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Bars of `#` under `--ascii`.
const ASCII_BAR: bar::Set<'static> = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "#",
    five_eighths: "#",
    half: ":",
    three_eighths: ":",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

impl Theme {
    fn block<'a>(&self, title: impl Into<Line<'a>>) -> Block<'a> {
        Block::bordered()
            .border_set(if self.ascii {
                ASCII_BORDER
            } else {
                border::PLAIN
            })
            .title(title)
            .title_style(self.accent())
    }

    fn accent(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    fn warn(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new()
        }
    }

    fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// The selected row: reversed, which needs no color.
    fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    fn bars(&self) -> bar::Set<'static> {
        if self.ascii {
            ASCII_BAR
        } else {
            bar::NINE_LEVELS
        }
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, app);
    match &app.loaded {
        None => frame.render_widget(Paragraph::new("loading..."), body),
        Some(loaded) => match &loaded.figures {
            Figures::Live(live) => draw_live(frame, body, app, loaded, live),
            Figures::Groups { rows, totals } => match app.view {
                View::Daily => draw_daily(frame, body, app, loaded, rows, totals),
                View::Sessions => draw_sessions(frame, body, app, totals),
                _ => draw_groups(frame, body, app, rows, totals),
            },
            Figures::Session(detail) => draw_session(frame, body, app, loaded, detail),
        },
    }
    draw_footer(frame, footer, app);
    if app.help {
        draw_help(frame, body, app);
    }
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let mut spans = vec![Span::styled("Scopeon ", app.theme.accent())];
    for (i, v) in View::ALL.iter().enumerate() {
        let text = format!("{} {}", i + 1, v.title());
        if *v == app.view {
            spans.push(Span::styled(
                format!("[{text}]"),
                app.theme.accent().add_modifier(Modifier::REVERSED),
            ));
        } else {
            spans.push(Span::raw(format!(" {text} ")));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some(loaded) = &app.loaded {
        // Narrow screens get the time without the date: the tabs need the room.
        let mut now = moment(app.clock, &loaded.zone);
        if area.width < 100 {
            now = now
                .split_once(' ')
                .map_or(now.clone(), |(_, t)| t.to_owned());
        }
        frame.render_widget(Paragraph::new(Line::from(now).right_aligned()), area);
    }
}

fn draw_footer(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let mut keys = String::from("q quit  ? help  Tab/1-5 view");
    if app.view == View::Sessions {
        if app.session.is_some() {
            keys.push_str("  Esc back");
        } else {
            keys.push_str(&format!(
                "  Up/Dn  Enter open  s sort:{}",
                app.sort.as_str()
            ));
        }
    }
    let mut spans = vec![Span::styled(keys, app.theme.dim())];
    if let Some(status) = &app.status {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(status.clone(), app.theme.warn()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn totals_line(t: &Totals) -> String {
    format!(
        "Requests {}   Tokens {}   Cost {}",
        thousands(t.requests),
        thousands(t.total_tokens),
        cost(t)
    )
}

fn token_fields(t: &Totals) -> String {
    format!(
        "input {}  output {}  cache write {}  cache read {}",
        thousands(t.input_tokens),
        thousands(t.output_tokens),
        thousands(t.cache_creation_tokens),
        thousands(t.cache_read_tokens)
    )
}

fn draw_live(frame: &mut Frame<'_>, area: Rect, app: &App, loaded: &Loaded, live: &LiveFigures) {
    let theme = app.theme;
    let now_ms = app.clock.as_millisecond();
    let mut block_lines: Vec<Line<'_>> = Vec::new();
    for b in &live.blocks {
        block_lines.push(Line::styled(
            block_headline(b, now_ms, &loaded.zone),
            theme.accent(),
        ));
        block_lines.push(Line::from(format!("  {}", block_usage(b))));
        let outlook = block_outlook(b);
        let style = match &b.token_limit {
            Some(l) if l.status != "ok" => theme.warn(),
            _ => Style::new(),
        };
        block_lines.push(Line::styled(format!("  {outlook}"), style));
    }
    for w in &live.windows {
        let s = &w.snapshot;
        block_lines.push(Line::from(format!(
            "{:<12} {:<9} used {} | resets in {}{}",
            s.provider.as_str(),
            s.kind,
            percent(s.used_percentage),
            span(s.resets_at_ms - now_ms),
            if w.stale { " (stale)" } else { "" }
        )));
    }
    if block_lines.is_empty() {
        block_lines.push(Line::styled("no active block", theme.dim()));
    }
    let [today, blocks, sessions] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(block_lines.len() as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(totals_line(&live.today)),
            Line::styled(token_fields(&live.today), theme.dim()),
        ])
        .block(theme.block("Today")),
        today,
    );
    frame.render_widget(
        Paragraph::new(block_lines).block(theme.block("Current blocks")),
        blocks,
    );
    draw_contexts(frame, sessions, theme, live);
}

fn draw_contexts(frame: &mut Frame<'_>, area: Rect, theme: Theme, live: &LiveFigures) {
    let inner = area.width.saturating_sub(2) as usize;
    // project | model | bar | percent | tokens/window: the names share what the rest leaves.
    let bar_width = if inner >= 120 { 30 } else { 12 };
    let figures_width = 5 + 22;
    let names = inner.saturating_sub(bar_width + figures_width + 4);
    let (project_width, model_width) = (names * 3 / 5, names - names * 3 / 5);
    let mut lines: Vec<Line<'_>> = Vec::new();
    // Most recently active first.
    for c in live.contexts.iter().rev() {
        let project = tail(&label(c.project.as_deref()), project_width, theme.ascii);
        let model = tail(&label(c.model.as_deref()), model_width, theme.ascii);
        let (gauge, share) = match c.used_ratio {
            Some(r) => (fill(r, bar_width, theme.ascii), percent(r * 100.0)),
            None => (" ".repeat(bar_width), "?".into()),
        };
        let window = c
            .context_window
            .map(thousands)
            .unwrap_or_else(|| "?".into());
        let style = match c.used_ratio {
            Some(r) if r >= 0.8 => theme.warn(),
            _ => Style::new(),
        };
        lines.push(Line::styled(
            format!(
                "{project:<project_width$} {model:<model_width$} {gauge} {share:>4} {:>10}/{window}",
                thousands(c.context_tokens)
            ),
            style,
        ));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "no session with a request in the last 30 minutes",
            theme.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(theme.block("Active sessions: context")),
        area,
    );
}

/// The last 30 days in the zone, oldest first, as `YYYY-MM-DD` (the report's day keys).
fn last_days(loaded: &Loaded) -> Vec<String> {
    let today = loaded.now.to_zoned_datetime(loaded.zone.tz.clone()).date();
    (0..30)
        .rev()
        .filter_map(|back| today.checked_sub(back.days()).ok())
        .map(|d| d.to_string())
        .collect()
}

fn draw_daily(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    loaded: &Loaded,
    rows: &[Group],
    totals: &Totals,
) {
    let theme = app.theme;
    let [chart, table] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(area);
    let days = last_days(loaded);
    let of_day = |day: &str| {
        rows.iter()
            .find(|g| g.keys.first().and_then(|k| k.as_deref()) == Some(day))
    };
    let inner = chart.width.saturating_sub(2) as usize;
    let bar_width = (inner / days.len()).saturating_sub(1).max(1) as u16;
    let bars: Vec<Bar<'_>> = days
        .iter()
        .map(|day| {
            // Heights in cents: the bar's length only, never shown as a number.
            let cents = of_day(day)
                .and_then(|g| g.totals.cost_usd())
                .map_or(0, |usd| (usd * 100.0).round() as u64);
            let mut b = Bar::default().value(cents).text_value(String::new());
            if bar_width >= 2 {
                b = b.label(Line::from(day[8..].to_owned()));
            }
            b
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .block(theme.block(format!("Cost by day, last 30 days: {} total", cost(totals))))
            .bar_width(bar_width)
            .bar_gap(1)
            .bar_set(theme.bars())
            .bar_style(if theme.color {
                Style::new().fg(Color::Cyan)
            } else {
                Style::new()
            })
            .data(BarGroup::new(bars)),
        chart,
    );
    let body: Vec<Row<'_>> = days
        .iter()
        .rev()
        .filter_map(|day| of_day(day).map(|g| (day, g)))
        .map(|(day, g)| {
            Row::new(vec![
                Cell::from(day.clone()),
                num(thousands(g.totals.requests)),
                num(thousands(g.totals.total_tokens)),
                num(cost(&g.totals)),
            ])
        })
        .collect();
    frame.render_widget(
        Table::new(
            body,
            [
                Constraint::Length(10),
                Constraint::Length(9),
                Constraint::Length(16),
                Constraint::Length(11),
            ],
        )
        .header(header(
            &["Day", "Requests", "Total tokens", "Cost (USD)"],
            1,
            theme,
        ))
        .block(theme.block("Days with usage, newest first")),
        table,
    );
}

/// The numeric columns at this width: wide screens get every token field.
fn numeric_columns(width: u16) -> (Vec<&'static str>, Vec<Constraint>) {
    if width >= 120 {
        (
            vec![
                "Requests",
                "Input",
                "Output",
                "Cache write",
                "Cache read",
                "Total tokens",
                "Cost (USD)",
            ],
            vec![
                Constraint::Length(9),
                Constraint::Length(12),
                Constraint::Length(11),
                Constraint::Length(12),
                Constraint::Length(14),
                Constraint::Length(14),
                Constraint::Length(11),
            ],
        )
    } else {
        (
            vec!["Requests", "Total tokens", "Cost (USD)"],
            vec![
                Constraint::Length(9),
                Constraint::Length(14),
                Constraint::Length(11),
            ],
        )
    }
}

/// A header row: the first `text` columns left-aligned, the numbers' right-aligned.
fn header<'a>(names: &[&'a str], text: usize, theme: Theme) -> Row<'a> {
    Row::new(names.iter().enumerate().map(|(i, n)| {
        if i < text {
            Cell::from(*n)
        } else {
            Cell::from(Line::from(*n).right_aligned())
        }
    }))
    .style(theme.accent())
}

/// A number, right-aligned in its column.
fn num(text: String) -> Cell<'static> {
    Cell::from(Line::from(text).right_aligned())
}

fn numeric_cells(t: &Totals, width: u16) -> Vec<Cell<'static>> {
    numeric_texts(t, width).into_iter().map(num).collect()
}

fn numeric_texts(t: &Totals, width: u16) -> Vec<String> {
    if width >= 120 {
        vec![
            thousands(t.requests),
            thousands(t.input_tokens),
            thousands(t.output_tokens),
            thousands(t.cache_creation_tokens),
            thousands(t.cache_read_tokens),
            thousands(t.total_tokens),
            cost(t),
        ]
    } else {
        vec![thousands(t.requests), thousands(t.total_tokens), cost(t)]
    }
}

/// Models or Projects: one row per group, the most costly first.
fn draw_groups(frame: &mut Frame<'_>, area: Rect, app: &App, rows: &[Group], totals: &Totals) {
    let theme = app.theme;
    let (headers, mut widths) = numeric_columns(area.width);
    let numeric = headers.len();
    let name_width = area
        .width
        .saturating_sub(2 + widths.len() as u16 + widths.iter().map(len).sum::<u16>())
        .max(8);
    widths.insert(0, Constraint::Length(name_width));
    let mut sorted: Vec<&Group> = rows.iter().collect();
    sorted.sort_by_key(|g| std::cmp::Reverse(g.totals.cost_pusd));
    let body: Vec<Row<'_>> = sorted
        .iter()
        .map(|g| {
            let name = tail(
                &label(g.keys.first().and_then(|k| k.as_deref())),
                name_width as usize,
                theme.ascii,
            );
            let mut cells = vec![Cell::from(name)];
            cells.extend(numeric_cells(&g.totals, area.width));
            Row::new(cells)
        })
        .chain(std::iter::once({
            let mut cells = vec![Cell::from("Total")];
            cells.extend(numeric_cells(totals, area.width));
            Row::new(cells).style(theme.accent())
        }))
        .collect();
    let first = if app.view == View::Models {
        "Model"
    } else {
        "Project"
    };
    let mut names = vec![first];
    names.extend(headers);
    frame.render_widget(
        Table::new(body, widths)
            .header(header(&names, names.len() - numeric, theme))
            .block(theme.block(format!("{}, last 30 days", app.view.title()))),
        area,
    );
}

fn len(c: &Constraint) -> u16 {
    match c {
        Constraint::Length(n) => *n,
        _ => 0,
    }
}

fn draw_sessions(frame: &mut Frame<'_>, area: Rect, app: &App, totals: &Totals) {
    let theme = app.theme;
    let rows = app.session_rows();
    let (headers, mut widths) = numeric_columns(area.width);
    let numeric = headers.len();
    let names = area
        .width
        .saturating_sub(4 + widths.len() as u16 + 1 + widths.iter().map(len).sum::<u16>())
        .max(16);
    let session_width = (names * 2 / 5).max(8);
    let project_width = names - session_width;
    widths.insert(0, Constraint::Length(project_width));
    widths.insert(0, Constraint::Length(session_width));
    let body: Vec<Row<'_>> = rows
        .iter()
        .map(|g| {
            let key = |i: usize| label(g.keys.get(i).and_then(|k| k.as_deref())).into_owned();
            let mut cells = vec![
                Cell::from(tail(&key(0), session_width as usize, theme.ascii)),
                Cell::from(tail(&key(1), project_width as usize, theme.ascii)),
            ];
            cells.extend(numeric_cells(&g.totals, area.width));
            Row::new(cells)
        })
        .collect();
    let mut names = vec!["Session", "Project"];
    names.extend(headers);
    let mut state = TableState::default().with_selected(Some(app.selected.min(rows.len())));
    frame.render_stateful_widget(
        Table::new(body, widths)
            .header(header(&names, names.len() - numeric, theme))
            .row_highlight_style(theme.selected())
            .highlight_symbol(">")
            .block(theme.block(format!(
                "Sessions, last 30 days, by {}: {} sessions, {}",
                app.sort.as_str(),
                thousands(rows.len() as u64),
                cost(totals)
            ))),
        area,
        &mut state,
    );
}

fn draw_session(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    loaded: &Loaded,
    detail: &SessionDetail,
) {
    let theme = app.theme;
    let [head, days, models] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Percentage(50),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(totals_line(&detail.totals)),
            Line::styled(token_fields(&detail.totals), theme.dim()),
        ])
        .block(theme.block(format!(
            "Session {}",
            tail(
                &label(Some(&detail.session)),
                area.width.saturating_sub(12) as usize,
                theme.ascii
            )
        ))),
        head,
    );
    // Requests by day, with a bar scaled to the busiest day.
    let most = detail
        .days
        .iter()
        .map(|g| g.totals.requests)
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_width = days.width.saturating_sub(2 + 11 + 10 + 12 + 4).clamp(4, 40) as usize;
    let day_rows: Vec<Row<'_>> = detail
        .days
        .iter()
        .map(|g| {
            Row::new(vec![
                Cell::from(label(g.keys.first().and_then(|k| k.as_deref())).into_owned()),
                num(thousands(g.totals.requests)),
                Cell::from(fill(
                    g.totals.requests as f64 / most as f64,
                    bar_width,
                    theme.ascii,
                )),
                num(cost(&g.totals)),
            ])
        })
        .collect();
    frame.render_widget(
        Table::new(
            day_rows,
            [
                Constraint::Length(10),
                Constraint::Length(9),
                Constraint::Length(bar_width as u16),
                Constraint::Length(11),
            ],
        )
        .header(header(&["Day", "Requests", "", "Cost (USD)"], 1, theme))
        .block(theme.block(format!("Requests over time ({})", loaded.zone.name))),
        days,
    );
    let (headers, mut widths) = numeric_columns(models.width);
    let numeric = headers.len();
    let name_width = models
        .width
        .saturating_sub(2 + widths.len() as u16 + widths.iter().map(len).sum::<u16>())
        .max(8);
    widths.insert(0, Constraint::Length(name_width));
    let model_rows: Vec<Row<'_>> = detail
        .models
        .iter()
        .map(|g| {
            let mut cells = vec![Cell::from(tail(
                &label(g.keys.first().and_then(|k| k.as_deref())),
                name_width as usize,
                theme.ascii,
            ))];
            cells.extend(numeric_cells(&g.totals, models.width));
            Row::new(cells)
        })
        .collect();
    let mut names = vec!["Model"];
    names.extend(headers);
    frame.render_widget(
        Table::new(model_rows, widths)
            .header(header(&names, names.len() - numeric, theme))
            .block(theme.block("Models")),
        models,
    );
}

/// The keys, over the view.
fn draw_help(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let lines = [
        "Tab, Right / Shift-Tab, Left   next / previous view",
        "1 Live  2 Daily  3 Models  4 Projects  5 Sessions",
        "Up, Down (j, k)                select a session",
        "Enter                          open the selected session",
        "Esc, Backspace                 close the session",
        "s                              sort sessions (cost, tokens,",
        "                               requests, session id)",
        "r                              reload now",
        "q, Esc, Ctrl-C                 quit",
        "",
        "Figures refresh when the logs change; see docs/tui.md.",
        "Any key closes this help.",
    ];
    let width = (lines.iter().map(|l| l.len()).max().unwrap_or(0) as u16 + 4).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines.iter().map(|l| Line::from(*l)).collect::<Vec<_>>())
            .block(app.theme.block("Keys")),
        popup,
    );
}
