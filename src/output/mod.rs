//! What a person sees while and after a sweep runs.

pub mod aligned;
pub mod dry_run;
pub mod gradient_table;
pub mod progress;
pub mod rule_table;
pub mod verdict;

use std::io::Write;

/// Writes `text` to standard output. A reader that went away (`sweep
/// report DIR | head`) is not an error: what it did not read, it did not
/// ask for; any other failure is (a full disk behind a redirection).
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("cannot write to standard output: {e}"),
        )),
        Ok(()) => Ok(()),
    }
}
