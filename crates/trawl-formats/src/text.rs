//! Text decoding: UTF-8, UTF-16LE/BE with or without BOM, Latin-1.
