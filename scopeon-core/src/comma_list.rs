//! Lists in the CLI's words: `--by day,model` and `--provider a --provider b` mean the same,
//! so every request builder reads its lists through [`split_commas`].

/// Entries of a list, with comma-separated ones split and blanks dropped (as the CLI's
/// `--by day,model` and `--provider a,b`).
pub(crate) fn split_commas<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items
        .into_iter()
        .flat_map(|s| {
            s.as_ref()
                .split(',')
                .map(|p| p.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}
