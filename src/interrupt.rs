//! Ctrl-C and SIGTERM: stop starting jobs, keep what finished, exit 130.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status of an interrupted run, as shells report a SIGINT.
pub const EXIT_STATUS: u8 = 130;

/// Whether the run was asked to stop.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Catches SIGINT and SIGTERM. The first one only sets the flag, so
    /// running jobs finish and their files are kept; a second one ends the
    /// process at once, with status 130.
    pub fn install() -> std::io::Result<Interrupt> {
        let requested = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // The shutdown must be registered first: it acts only once the flag is set.
            flag::register_conditional_shutdown(signal, i32::from(EXIT_STATUS), requested.clone())?;
            flag::register(signal, requested.clone())?;
        }
        Ok(Interrupt(requested))
    }

    /// Whether a signal has arrived.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
