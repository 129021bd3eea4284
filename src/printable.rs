//! Text as a terminal may show it: a name or a file's line can hold
//! control characters (a NUL, an escape sequence) that would garble or
//! recolour the terminal, so messages show each as one visible mark.

use std::borrow::Cow;

/// What a message shows for `c`: a control character (a tab included, so
/// that a caret below a line stays under its place) as one visible mark.
pub fn char(c: char) -> char {
    match c {
        '\t' => ' ',
        c if c.is_control() => '\u{FFFD}',
        c => c,
    }
}

/// `text` with every control character but the line break shown by [`char`].
pub fn text(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| c == '\n' || !c.is_control()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| if c == '\n' { c } else { char(c) })
                .collect(),
        )
    }
}

/// `text` in ASCII, for the CSV files: a spreadsheet's default import may
/// read UTF-8 as another encoding (`kron(zᵀ, δ)` became `kron(záµ€, Î´)`),
/// never ASCII. The notation sweep's messages use is spelled out
/// (`kron(z^T, delta) is 3x3`); any other character is written `\u{e4}`.
pub fn ascii(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            'ᵀ' => out.push_str("^T"),
            '\u{303}' => out.push('~'), // the combining tilde of x̃
            '×' => out.push('x'),
            '·' => out.push('*'),
            '−' | '–' | '—' => out.push('-'),
            '→' => out.push_str("->"),
            '≤' => out.push_str("<="),
            '≥' => out.push_str(">="),
            '‖' => out.push_str("||"),
            '…' => out.push_str("..."),
            '½' => out.push_str("1/2"),
            '′' | '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '∞' => out.push_str("inf"),
            'δ' => out.push_str("delta"),
            'Δ' => out.push_str("Delta"),
            'η' => out.push_str("eta"),
            'σ' => out.push_str("sigma"),
            'ε' => out.push_str("epsilon"),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// `text` cut to its first `max` characters, marked `…` where cut: a
/// value from a file (a cell, a name) may be megabytes long.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// `n` and the noun, in the plural unless `n` is 1: `1 job`, `3 jobs`.
pub fn count(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// A command line a person can paste into a POSIX shell: each word quoted
/// as `shell-words` quotes it, but for words of characters no shell reads
/// specially after the command's name (`seed=3`, `-o`, `a/b.toml`), which
/// stay bare to be read easily.
pub fn command<S: AsRef<str>>(words: &[S]) -> String {
    let plain = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.,/=:+@".contains(c))
    };
    words
        .iter()
        .enumerate()
        .map(|(k, w)| match w.as_ref() {
            w if k > 0 && plain(w) => w.into(),
            w => shell_words::quote(w),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_short_text_and_marks_the_cut() {
        assert_eq!(super::clip("short", 40), "short");
        assert_eq!(super::clip("ééééé", 3), "ééé…");
    }

    #[test]
    fn a_command_quotes_only_what_a_shell_would_misread() {
        assert_eq!(
            super::command(&[
                "sweep",
                "my configs/grid.toml",
                "--filter",
                "seed=3",
                "it's"
            ]),
            "sweep 'my configs/grid.toml' --filter seed=3 'it'\\''s'"
        );
    }

    #[test]
    fn control_characters_become_visible_and_lines_stay() {
        assert_eq!(
            super::text("a\u{0}b\n\u{1b}[31m"),
            "a\u{FFFD}b\n\u{FFFD}[31m"
        );
        assert_eq!(super::text("plain ü\n"), "plain ü\n");
    }

    #[test]
    fn csv_text_is_ascii() {
        let message = "kron(zᵀ, δ) is 3×3 but the weights are 5×3; x̃ᵀ Δ → Länge";
        assert_eq!(
            ascii(message),
            "kron(z^T, delta) is 3x3 but the weights are 5x3; x~^T Delta -> L\\u{e4}nge"
        );
        assert!(matches!(ascii("plain"), Cow::Borrowed("plain")));
    }
}
