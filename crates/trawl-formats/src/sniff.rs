//! Content sniffing: what kind of input a byte slice is.
