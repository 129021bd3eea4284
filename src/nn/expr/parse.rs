//! The grammar of a rule, read by recursive descent:
//!
//! ```text
//! expr   = number | name | function "(" expr { "," expr } ")"
//! number = [ "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
//! ```
//!
//! Spaces, tabs and line breaks may stand between the parts. A failure
//! says where (a byte offset into the text) and what was expected there.

use super::{Expr, Function, Kind, Name};
use crate::suggest::did_you_mean;

/// Longest expression, in bytes: a rule is a line, and a bound keeps a
/// hostile one from taking the parser's stack.
pub const MAX_BYTES: usize = 4096;
/// Deepest nesting of calls.
pub const MAX_DEPTH: usize = 64;

/// Why a rule's text is not an expression, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Byte offset into the text of the place to point at.
    pub at: usize,
    /// What is wrong and what is accepted there.
    pub message: String,
}

/// The expression written as `text`.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    if text.len() > MAX_BYTES {
        return Err(ParseError {
            at: MAX_BYTES,
            message: format!(
                "a rule has at most {MAX_BYTES} bytes; this one has {}",
                text.len()
            ),
        });
    }
    let mut parser = Parser { text, at: 0 };
    let expr = parser.expr(0)?;
    parser.skip_space();
    match parser.peek() {
        None => Ok(expr),
        Some(c) => Err(parser.error(format!(
            "`{c}` after a whole expression: a rule is one expression, such as \
             scalar_mul(eta, matmul(transpose(inputs), delta))"
        ))),
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.at += c.len_utf8();
        }
    }

    fn error(&self, message: String) -> ParseError {
        ParseError {
            at: self.at,
            message,
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        self.skip_space();
        if depth > MAX_DEPTH {
            return Err(self.error(format!("calls nested more than {MAX_DEPTH} deep")));
        }
        let start = self.at;
        match self.peek() {
            None => Err(self.error(
                "the rule ends where a name, a number or a function call is expected".into(),
            )),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => self.number(start),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => self.word(start, depth),
            Some(c) => Err(self.error(format!(
                "`{c}` where a name, a number or a function call is expected"
            ))),
        }
    }

    fn number(&mut self, start: usize) -> Result<Expr, ParseError> {
        let rest = &self.text[start..];
        let mut end = 0;
        let bytes = rest.as_bytes();
        let digits = |from: usize| {
            (from..bytes.len())
                .find(|&k| !bytes[k].is_ascii_digit())
                .unwrap_or(bytes.len())
        };
        if bytes.first() == Some(&b'-') {
            end = 1;
        }
        end = digits(end);
        if bytes.get(end) == Some(&b'.') {
            end = digits(end + 1);
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
                end = digits(exp);
            }
        }
        let written = &rest[..end];
        match written.parse::<f64>() {
            Ok(x) if x.is_finite() => {
                self.at = start + end;
                Ok(Expr {
                    kind: Kind::Number(x),
                    span: start..self.at,
                })
            }
            _ => Err(self.error(format!(
                "`{}` is not a finite number such as 0.5 or 1e-3",
                if written.is_empty() { "-" } else { written }
            ))),
        }
    }

    fn word(&mut self, start: usize, depth: usize) -> Result<Expr, ParseError> {
        let len = self.text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.text.len() - start);
        let word = &self.text[start..start + len];
        self.at = start + len;
        self.skip_space();
        let is_call = self.peek() == Some('(');
        if !is_call {
            self.at = start + len;
            return match (Name::from_name(word), Function::from_name(word)) {
                (Some(name), _) => Ok(Expr {
                    kind: Kind::Name(name),
                    span: start..self.at,
                }),
                (None, Some(f)) => Err(ParseError {
                    at: start,
                    message: format!(
                        "`{word}` is a function of {}: write {word}(…)",
                        arguments(f.arity())
                    ),
                }),
                (None, None) => Err(ParseError {
                    at: start,
                    message: format!(
                        "unknown name `{word}`{}; names: {}",
                        did_you_mean(word, Name::NAMES),
                        Name::NAMES.join(", ")
                    ),
                }),
            };
        }
        let Some(function) = Function::from_name(word) else {
            let message = match Name::from_name(word) {
                Some(_) => format!("`{word}` is a name, not a function: write it without (…)"),
                None => format!(
                    "unknown function `{word}`{}; functions: {}",
                    did_you_mean(word, Function::NAMES),
                    Function::NAMES.join(", ")
                ),
            };
            return Err(ParseError { at: start, message });
        };
        self.at += 1;
        let mut args = Vec::new();
        loop {
            args.push(self.expr(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.at += 1,
                Some(')') => {
                    self.at += 1;
                    break;
                }
                Some(c) => {
                    return Err(self.error(format!("`{c}` where `,` or `)` is expected")));
                }
                None => {
                    return Err(self.error(format!("`{word}(` is not closed: a `)` is missing")));
                }
            }
        }
        if args.len() != function.arity() {
            return Err(ParseError {
                at: start,
                message: format!(
                    "`{word}` takes {}, here {}",
                    arguments(function.arity()),
                    args.len()
                ),
            });
        }
        Ok(Expr {
            kind: Kind::Call(function.canonical(), args),
            span: start..self.at,
        })
    }
}

fn arguments(n: usize) -> String {
    match n {
        1 => "1 argument".into(),
        n => format!("{n} arguments"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorial_line_parses_and_prints_back() {
        for (text, printed) in [
            (
                "scalar_mul(eta, kronecker(transpose(outputs), delta))",
                "scalar_mul(eta, kronecker(transpose(outputs), delta))",
            ),
            (
                "  scalar_mul( eta ,\n matmul(transpose(inputs),delta) ) ",
                "scalar_mul(eta, matmul(transpose(inputs), delta))",
            ),
            (
                "hammard(error_vector, activation_diff(net))",
                "hadamard(error_vector, activation_diff(net))",
            ),
            (
                "scalar_mul(-1.5e-3, weights)",
                "scalar_mul(-0.0015, weights)",
            ),
            ("div(eta, 2)", "div(eta, 2)"),
        ] {
            assert_eq!(parse(text).unwrap().to_string(), printed, "{text}");
        }
    }

    #[test]
    fn each_mistake_is_named_where_it_is() {
        for (text, at, needle) in [
            ("", 0, "ends where a name"),
            ("kron(outputs, delta)", 0, "did you mean `kronecker`"),
            ("transpose(outptus)", 10, "did you mean `outputs`"),
            ("transpose(outputs, delta)", 0, "takes 1 argument, here 2"),
            ("scalar_mul(eta)", 0, "takes 2 arguments, here 1"),
            ("transpose", 0, "write transpose(…)"),
            ("delta(eta)", 0, "a name, not a function"),
            ("add(delta, delta", 16, "not closed"),
            ("add(delta; delta)", 9, "`;` where `,` or `)`"),
            ("delta delta", 6, "one expression"),
            ("scalar_mul(1e999, delta)", 11, "finite number"),
            ("scalar_mul(-, delta)", 11, "finite number"),
            ("add(delta, $)", 11, "`$` where a name"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {e}");
            assert_eq!(e.at, at, "{text}: {e}");
        }
        let deep = "transpose(".repeat(100) + "delta" + &")".repeat(100);
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        assert!(
            parse(&"x".repeat(5000))
                .unwrap_err()
                .message
                .contains("at most")
        );
    }
}
