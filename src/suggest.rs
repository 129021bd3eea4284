//! "Did you mean …?" hints for misspelt names.

/// `" (did you mean `best`?)"` for the candidate closest to `word`, or an
/// empty string when none is close.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    // The same measure and threshold clap uses for misspelt arguments.
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, best)| format!(" (did you mean `{best}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_names() {
        let keys = ["rule", "activation", "learning_rate"];
        assert_eq!(
            did_you_mean("lerning_rate", keys),
            " (did you mean `learning_rate`?)"
        );
        assert_eq!(did_you_mean("zzz", keys), "");
    }
}
