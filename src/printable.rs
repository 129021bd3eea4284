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

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_become_visible_and_lines_stay() {
        assert_eq!(super::text("a\u{0}b\n\u{1b}[31m"), "a\u{FFFD}b\n\u{FFFD}[31m");
        assert_eq!(super::text("plain ü\n"), "plain ü\n");
    }
}
