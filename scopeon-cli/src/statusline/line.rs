//! The status line itself: the segments the configuration asks for, formatted from figures
//! scopeon-core computed (docs/statusline.md, "Segments"). Nothing here computes a figure;
//! a segment without one is left out rather than shown empty or guessed.

use crate::sanitize::printable;

/// What goes between segments.
const SEPARATOR: &str = " · ";

/// The current five-hour block as scopeon-core reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockFigure {
    /// A fresh official window: the agent's own used percentage.
    Official {
        used_percentage: f64,
        minutes_left: i64,
    },
    /// An estimated block: its cost so far (`None`: no priced request).
    Estimated {
        cost_usd: Option<f64>,
        minutes_left: i64,
    },
}

/// The figures a line can show; `None` leaves the segment out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// The model's name, from the input.
    pub model: Option<String>,
    /// The session's cost (`Some(None)`: requests stored, none priced).
    pub session_cost: Option<Option<f64>>,
    /// Today's cost, every agent.
    pub today_cost: Option<Option<f64>>,
    pub block: Option<BlockFigure>,
    /// The active block's cost per hour over its last hour.
    pub burn_cost_per_hour: Option<f64>,
    /// The session's context, 0–1 of the model's window.
    pub context_ratio: Option<f64>,
}

/// How the line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

/// The line: each configured segment that has a figure, in order. Never empty: with no figure
/// at all it is `scopeon`.
pub fn render(segments: &[String], figures: &Figures, style: Style) -> String {
    let parts: Vec<String> = segments
        .iter()
        .filter_map(|s| segment(s, figures, style))
        .collect();
    if parts.is_empty() {
        return minimal(figures.model.as_deref());
    }
    parts.join(SEPARATOR)
}

/// The line made from the input alone: the model's name, else `scopeon`.
pub fn minimal(model: Option<&str>) -> String {
    match model.map(|m| printable(m.trim()).into_owned()) {
        Some(m) if !m.is_empty() => m,
        _ => "scopeon".to_owned(),
    }
}

fn segment(name: &str, f: &Figures, style: Style) -> Option<String> {
    Some(match name {
        "model" => minimal(Some(f.model.as_deref()?)),
        "session_cost" => format!("session {}", usd(f.session_cost?)),
        "today_cost" => format!("today {}", usd(f.today_cost?)),
        "block" => match f.block.as_ref()? {
            BlockFigure::Official {
                used_percentage,
                minutes_left,
            } => format!(
                "5h {} ({} left)",
                paint(percent(*used_percentage), *used_percentage, style),
                duration(*minutes_left)
            ),
            BlockFigure::Estimated {
                cost_usd,
                minutes_left,
            } => format!(
                "block {} ({} left)",
                usd(*cost_usd),
                duration(*minutes_left)
            ),
        },
        "burn_rate" => format!("{}/h", usd(Some(f.burn_cost_per_hour?))),
        "context" => {
            let pct = f.context_ratio? * 100.0;
            format!("ctx {}", paint(percent(pct), pct, style))
        }
        _ => return None,
    })
}

/// US dollars with cents; `$?` when nothing was priced.
fn usd(cost: Option<f64>) -> String {
    match cost {
        Some(c) if c.is_finite() => format!("${c:.2}"),
        _ => "$?".to_owned(),
    }
}

fn percent(p: f64) -> String {
    format!("{:.0}%", p.clamp(0.0, 999.0))
}

/// `2h05m`, `45m`, `<1m`.
fn duration(minutes: i64) -> String {
    match minutes.max(0) {
        0 => "<1m".to_owned(),
        m if m < 60 => format!("{m}m"),
        m => format!("{}h{:02}m", m / 60, m % 60),
    }
}

/// A percentage in green, yellow from 70%, red from 90%, when colors are on.
fn paint(text: String, pct: f64, style: Style) -> String {
    if !style.color {
        return text;
    }
    let code = if pct >= 90.0 {
        31
    } else if pct >= 70.0 {
        33
    } else {
        32
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<String> {
        scopeon_core::config::StatuslineConfig::SEGMENTS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    #[test]
    fn segments_in_order_and_only_those_with_a_figure() {
        let plain = Style { color: false };
        let f = Figures {
            model: Some("Opus\u{202e} 4.1".into()),
            session_cost: Some(Some(1.234)),
            today_cost: Some(None),
            block: Some(BlockFigure::Estimated {
                cost_usd: Some(3.1),
                minutes_left: 125,
            }),
            burn_cost_per_hour: None,
            context_ratio: Some(0.456),
        };
        assert_eq!(
            render(&all(), &f, plain),
            "Opus<U+202E> 4.1 · session $1.23 · today $? · block $3.10 (2h05m left) · ctx 46%"
        );
        let official = Figures {
            block: Some(BlockFigure::Official {
                used_percentage: 92.4,
                minutes_left: 0,
            }),
            ..Figures::default()
        };
        assert_eq!(
            render(&["block".into()], &official, Style { color: true }),
            "5h \u{1b}[31m92%\u{1b}[0m (<1m left)"
        );
        assert_eq!(render(&all(), &Figures::default(), plain), "scopeon");
        assert_eq!(minimal(Some(" \u{7} ")), "?");
    }
}
