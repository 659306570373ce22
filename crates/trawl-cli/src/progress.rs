//! The progress bar on standard error: inputs done and total, bytes,
//! rate and estimated time left.
//!
//! It is drawn only when standard error is a terminal and neither
//! `--quiet` nor `--no-progress` is given, so piped or logged output
//! never contains it. Standard output never carries it.

use std::fs;
use std::io::{self, IsTerminal};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::inputs::Input;

/// How often the bar is redrawn, so the rate and time left move even
/// while one large input is being scanned.
const TICK: Duration = Duration::from_millis(200);

/// Reports whether the bar is drawn, from whether standard error is a
/// terminal and the `--quiet` and `--no-progress` flags.
pub fn is_drawn(
    stderr_is_terminal: bool,
    quiet: bool,
    no_progress: bool,
) -> bool {
    stderr_is_terminal && !quiet && !no_progress
}

/// The progress of a run over its inputs, drawn or hidden.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// Size in bytes of each input, counted when it is done.
    sizes: Vec<u64>,
    done: usize,
}

impl Progress {
    /// Creates the bar for `inputs` when `is_drawn` returns true for this
    /// process; otherwise every method does nothing but print messages.
    /// Input sizes are read from the file system only for a drawn bar,
    /// each capped at `max_input_size`.
    pub fn new(
        inputs: &[Input],
        max_input_size: u64,
        quiet: bool,
        no_progress: bool,
    ) -> Progress {
        let terminal = io::stderr().is_terminal();
        if !is_drawn(terminal, quiet, no_progress) {
            return Progress { bar: None, sizes: Vec::new(), done: 0 };
        }
        let sizes: Vec<u64> = inputs
            .iter()
            .map(|input| input_size(input).min(max_input_size))
            .collect();
        let bar = ProgressBar::with_draw_target(
            Some(sizes.iter().sum()),
            ProgressDrawTarget::stderr(),
        );
        let template = "{msg} files  {binary_bytes}/{binary_total_bytes}  \
                        {binary_bytes_per_sec}  ETA {eta}  {wide_bar}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(format!("0/{}", inputs.len()));
        bar.enable_steady_tick(TICK);
        Progress { bar: Some(bar), sizes, done: 0 }
    }

    /// Counts input `index` as done.
    pub fn input_done(&mut self, index: usize) {
        self.done += 1;
        if let Some(bar) = &self.bar {
            bar.inc(self.sizes.get(index).copied().unwrap_or(0));
            bar.set_message(format!("{}/{}", self.done, self.sizes.len()));
        }
    }

    /// Prints a line on standard error above the bar.
    pub fn eprintln(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Returns the size of a file input in bytes, 0 for other inputs.
fn input_size(input: &Input) -> u64 {
    match input {
        Input::File(path) => fs::metadata(path).map_or(0, |m| m.len()),
        Input::Text(text) => text.len() as u64,
        Input::Stdin | Input::Failed(..) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_only_on_terminal_without_flags() {
        let cases = [
            (true, false, false, true),
            (false, false, false, false),
            (true, true, false, false),
            (true, false, true, false),
            (false, true, true, false),
        ];
        for (terminal, quiet, no_progress, expected) in cases {
            assert_eq!(
                is_drawn(terminal, quiet, no_progress),
                expected,
                "terminal {terminal}, quiet {quiet}, no_progress {no_progress}"
            );
        }
    }
}
