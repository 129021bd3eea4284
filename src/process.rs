//! This process and its host, portably: the host name, and whether a
//! process of this host still runs. Results folders use them to tell a
//! live writer (another shard, another run) from one that died.

/// This machine's name, as temporary files carry it (dots would be
/// ambiguous in the file name, so they become dashes).
pub fn host_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        hostname()
            .map(|h| h.trim().replace('.', "-"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into())
    })
}

#[cfg(unix)]
fn hostname() -> Option<String> {
    nix::unistd::gethostname().ok()?.into_string().ok()
}

#[cfg(not(unix))]
fn hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

/// Whether process `pid` of this host still runs: `kill(pid, 0)` delivers
/// nothing and fails only for a process that is gone (ESRCH); a process
/// of another user (EPERM) is running.
#[cfg(unix)]
pub fn is_running(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(Errno::ESRCH)
    )
}

/// Without a way to ask here, every writer counts as running: a stale
/// temporary file is left behind rather than another run's deleted.
#[cfg(not(unix))]
pub fn is_running(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_runs_and_a_finished_one_does_not() {
        assert!(is_running(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_running(pid));
    }
}
