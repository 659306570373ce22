//! ASCII and UTF-16LE string extraction from binaries.
