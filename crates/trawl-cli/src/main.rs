//! The trawl command line.

fn main() {}
