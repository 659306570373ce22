//! A streaming reader for the xz container, written from "The .xz File
//! Format" version 1.1.0 (2022-12-11, XZ Utils). Blocks go through
//! lzma-rust2's LZMA2 decoder, so memory stays within one dictionary
//! however much a block expands, and callers can stop at any read.

use std::io::{self, Read};
use std::mem;

use flate2::Crc;
use lzma_rust2::Lzma2Reader;
use sha2::{Digest, Sha256};

const STREAM_MAGIC: [u8; 6] = [0xFD, b'7', b'z', b'X', b'Z', 0x00];
const FOOTER_MAGIC: [u8; 2] = *b"YZ";
/// Stream header and stream footer length.
const STREAM_EDGE_LEN: usize = 12;
const MAX_BLOCK_HEADER_LEN: usize = 1024;
const LZMA2_FILTER_ID: u64 = 0x21;

/// Largest LZMA2 dictionary accepted: 64 MiB, what `xz -9` and `xz -9e`
/// use, so files made with any preset decode. lzma-rust2 0.25 grows its
/// window as output arrives up to the dictionary size, which comes from
/// the file, so without this bound a 4 GiB dictionary could keep as much
/// output in memory as the extraction limits let through.
pub(super) const MAX_DICT_SIZE: u64 = 64 << 20;

/// An xz file's decoded bytes: every stream in it, in order, with stream
/// padding between them. Integrity checks, declared sizes and the index
/// are verified as their bytes arrive, so a mismatch fails the read after
/// the bytes of the block it covers.
pub(super) struct XzReader<R> {
    phase: Phase<R>,
    stream: Stream,
}

enum Phase<R> {
    /// At the first stream header.
    Start(Input<R>),
    /// At a block header or the index.
    Between(Input<R>),
    /// Inside a block's LZMA2 data.
    Block(Box<Block<R>>),
    /// Past the last stream's padding.
    Done,
    /// A read failed, and every later read fails the same way.
    Failed(io::ErrorKind, String),
}

impl<R: Read> XzReader<R> {
    pub(super) fn new(inner: R) -> Self {
        let input = Input { inner, position: 0, crc: None };
        XzReader { phase: Phase::Start(input), stream: Stream::default() }
    }

    /// Advances by one header, index or decoder read. `Some` is a count
    /// of bytes decoded into `buf`, zero at the end of the input.
    fn step(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match mem::replace(&mut self.phase, Phase::Done) {
            Phase::Start(mut input) => {
                let mut header = [0u8; STREAM_EDGE_LEN];
                input.read_exact(&mut header)?;
                self.stream = Stream::from_header(&header)?;
                self.phase = Phase::Between(input);
            }
            Phase::Between(mut input) => {
                let start = input.position;
                let first = read_byte(&mut input)?;
                if first == 0 {
                    self.stream.read_index(&mut input, start)?;
                    self.phase = self.next_stream(input)?;
                } else {
                    let check = self.stream.check_id;
                    let block = Block::start(input, first, start, check)?;
                    self.phase = Phase::Block(Box::new(block));
                }
            }
            Phase::Block(mut block) => {
                let read = block.decoder.read(buf).map_err(lzma2_error)?;
                if read > 0 {
                    block.add_output(buf.get(..read).unwrap_or_default())?;
                    self.phase = Phase::Block(block);
                    return Ok(Some(read));
                }
                let input = block.finish(&mut self.stream)?;
                self.phase = Phase::Between(input);
            }
            Phase::Done => return Ok(Some(0)),
            Phase::Failed(kind, message) => {
                let error = io::Error::new(kind, message.clone());
                self.phase = Phase::Failed(kind, message);
                return Err(error);
            }
        }
        Ok(None)
    }

    /// Skips stream padding after a footer and starts the next stream,
    /// if another follows.
    fn next_stream(&mut self, mut input: Input<R>) -> io::Result<Phase<R>> {
        loop {
            let mut word = [0u8; 4];
            let read = read_up_to(&mut input, &mut word)?;
            if read == 0 {
                return Ok(Phase::Done);
            }
            if read < word.len() {
                return Err(invalid(
                    "xz stream padding is not a multiple of 4 bytes",
                ));
            }
            if word == [0; 4] {
                continue;
            }
            if !STREAM_MAGIC.starts_with(&word) {
                return Err(invalid("unexpected data after an xz stream"));
            }
            let mut header = [0u8; STREAM_EDGE_LEN];
            let (head, rest) = header.split_at_mut(word.len());
            head.copy_from_slice(&word);
            input.read_exact(rest)?;
            self.stream = Stream::from_header(&header)?;
            return Ok(Phase::Between(input));
        }
    }
}

impl<R: Read> Read for XzReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.step(buf) {
                Ok(Some(read)) => return Ok(read),
                Ok(None) => {}
                Err(error) => {
                    let error = describe_truncation(error);
                    let message = error.to_string();
                    self.phase = Phase::Failed(error.kind(), message);
                    return Err(error);
                }
            }
        }
    }
}

/// The compressed input, with its position and, while the index is
/// read, the index's CRC32.
struct Input<R> {
    inner: R,
    position: u64,
    crc: Option<Crc>,
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        let bytes = buf.get(..read).unwrap_or_default();
        if let Some(crc) = &mut self.crc {
            crc.update(bytes);
        }
        let count = u64::try_from(read).unwrap_or(u64::MAX);
        self.position = self.position.saturating_add(count);
        Ok(read)
    }
}

/// One stream's flags and the blocks decoded so far, which its index
/// must list.
#[derive(Default)]
struct Stream {
    flags: [u8; 2],
    check_id: u8,
    blocks: u64,
    unpadded_total: u64,
    uncompressed_total: u64,
    /// CRC32 of each block's unpadded and uncompressed sizes, compared
    /// with the same CRC over the index records, so the index is checked
    /// without keeping a list whose length the file would set.
    records: RecordsCrc,
}

impl Stream {
    fn from_header(header: &[u8; STREAM_EDGE_LEN]) -> io::Result<Self> {
        let (magic, rest) = header.split_at(STREAM_MAGIC.len());
        if magic != STREAM_MAGIC {
            return Err(invalid("invalid xz stream header magic"));
        }
        let (flags, stored_crc) = rest.split_at(2);
        if crc32(flags) != le_u32(stored_crc) {
            return Err(invalid("xz stream header CRC32 mismatch"));
        }
        let flags = [byte_at(flags, 0), byte_at(flags, 1)];
        if flags[0] != 0 || flags[1] & 0xF0 != 0 {
            return Err(invalid(format!(
                "unsupported xz stream flags 0x{:02X}{:02X}",
                flags[0], flags[1]
            )));
        }
        Ok(Stream { flags, check_id: flags[1], ..Stream::default() })
    }

    fn add_block(&mut self, unpadded: u64, uncompressed: u64) {
        self.blocks = self.blocks.saturating_add(1);
        self.unpadded_total = self.unpadded_total.saturating_add(unpadded);
        self.uncompressed_total =
            self.uncompressed_total.saturating_add(uncompressed);
        self.records.add(unpadded, uncompressed);
    }

    /// Reads the index, whose indicator byte at `start` is already read,
    /// and the stream footer, and checks both against the blocks.
    fn read_index<R: Read>(
        &self,
        input: &mut Input<R>,
        start: u64,
    ) -> io::Result<()> {
        let mut crc = Crc::new();
        crc.update(&[0]);
        input.crc = Some(crc);
        let records = read_varint(input)?;
        // The decoded blocks bound the loop below, not the file's count.
        if records != self.blocks {
            return Err(invalid(format!(
                "xz index lists {records} blocks but the stream has {}",
                self.blocks
            )));
        }
        let mut listed = Stream::default();
        for _ in 0..records {
            let unpadded = read_varint(input)?;
            let uncompressed = read_varint(input)?;
            listed.add_block(unpadded, uncompressed);
        }
        if listed.unpadded_total != self.unpadded_total
            || listed.uncompressed_total != self.uncompressed_total
            || listed.records.sum() != self.records.sum()
        {
            return Err(invalid(
                "xz index does not match the stream's blocks",
            ));
        }
        skip_padding(input, start, "xz index")?;
        let computed = input.crc.take().map_or(0, |crc| crc.sum());
        let mut stored = [0u8; 4];
        input.read_exact(&mut stored)?;
        if computed != u32::from_le_bytes(stored) {
            return Err(invalid("xz index CRC32 mismatch"));
        }
        let index_len = input.position.saturating_sub(start);

        let mut footer = [0u8; STREAM_EDGE_LEN];
        input.read_exact(&mut footer)?;
        let (stored_crc, rest) = footer.split_at(4);
        let (covered, magic) = rest.split_at(6);
        if magic != FOOTER_MAGIC {
            return Err(invalid("invalid xz stream footer magic"));
        }
        if crc32(covered) != le_u32(stored_crc) {
            return Err(invalid("xz stream footer CRC32 mismatch"));
        }
        let (backward_size, flags) = covered.split_at(4);
        if flags != self.flags {
            return Err(invalid("xz stream footer flags differ from header"));
        }
        let backward_len = u64::from(le_u32(backward_size))
            .saturating_add(1)
            .saturating_mul(4);
        if backward_len != index_len {
            return Err(invalid(format!(
                "xz stream footer gives an index of {backward_len} bytes \
                 but the index has {index_len}"
            )));
        }
        Ok(())
    }
}

/// One block being decoded.
struct Block<R> {
    decoder: Lzma2Reader<Input<R>>,
    /// Input position of the block header.
    start: u64,
    header_len: u64,
    declared_compressed: Option<u64>,
    declared_uncompressed: Option<u64>,
    uncompressed: u64,
    check: Check,
}

impl<R: Read> Block<R> {
    /// Reads and checks a block header whose size byte, `size_byte` at
    /// `start`, is already read, and starts its LZMA2 decoder.
    fn start(
        mut input: Input<R>,
        size_byte: u8,
        start: u64,
        check_id: u8,
    ) -> io::Result<Self> {
        let header_len =
            usize::from(size_byte).saturating_add(1).saturating_mul(4);
        let mut header = [0u8; MAX_BLOCK_HEADER_LEN];
        header[0] = size_byte;
        let header = header.get_mut(..header_len).unwrap_or_default();
        input.read_exact(header.get_mut(1..).unwrap_or_default())?;
        let (covered, stored_crc) =
            header.split_at(header_len.saturating_sub(4));
        if crc32(covered) != le_u32(stored_crc) {
            return Err(invalid("xz block header CRC32 mismatch"));
        }
        let fields = BlockFields::parse(covered.get(1..).unwrap_or_default())?;

        let decoder = Lzma2Reader::new(input, fields.dict_size, None);
        Ok(Block {
            decoder,
            start,
            header_len: u64::try_from(header_len).unwrap_or(u64::MAX),
            declared_compressed: fields.compressed,
            declared_uncompressed: fields.uncompressed,
            uncompressed: 0,
            check: Check::new(check_id),
        })
    }

    fn add_output(&mut self, bytes: &[u8]) -> io::Result<()> {
        let count = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.uncompressed = self.uncompressed.saturating_add(count);
        if let Some(declared) = self.declared_uncompressed {
            if self.uncompressed > declared {
                return Err(invalid(format!(
                    "xz block decodes to more than the {declared} bytes \
                     its header declares"
                )));
            }
        }
        self.check.update(bytes);
        Ok(())
    }

    /// Checks the ended block's sizes, padding and check value, records
    /// it in `stream`, and returns the input after it.
    fn finish(self, stream: &mut Stream) -> io::Result<Input<R>> {
        let mut input = self.decoder.into_inner();
        let data_start = self.start.saturating_add(self.header_len);
        let compressed = input.position.saturating_sub(data_start);
        if let Some(declared) = self.declared_compressed {
            if compressed != declared {
                return Err(invalid(format!(
                    "xz block has {compressed} compressed bytes but its \
                     header declares {declared}"
                )));
            }
        }
        if let Some(declared) = self.declared_uncompressed {
            if self.uncompressed != declared {
                return Err(invalid(format!(
                    "xz block decodes to {} bytes but its header \
                     declares {declared}",
                    self.uncompressed
                )));
            }
        }
        skip_padding(&mut input, self.start, "xz block")?;
        let check_len = self.check.len();
        let mut stored = [0u8; 64];
        let stored = stored.get_mut(..check_len).unwrap_or_default();
        input.read_exact(stored)?;
        self.check.verify(stored)?;

        let check_len = u64::try_from(check_len).unwrap_or(u64::MAX);
        let unpadded = self
            .header_len
            .saturating_add(compressed)
            .saturating_add(check_len);
        stream.add_block(unpadded, self.uncompressed);
        Ok(input)
    }
}

/// The fields of a block header after its size byte.
struct BlockFields {
    compressed: Option<u64>,
    uncompressed: Option<u64>,
    dict_size: u32,
}

impl BlockFields {
    /// Parses the flags, sizes and filter flags, and the zero padding
    /// after them. Only a single LZMA2 filter is supported.
    fn parse(mut fields: &[u8]) -> io::Result<Self> {
        let fields = &mut fields;
        let flags = read_byte(fields).map_err(header_overrun)?;
        if flags & 0x3C != 0 {
            return Err(invalid(format!(
                "unsupported xz block flags 0x{flags:02X}"
            )));
        }
        let filter_count = (flags & 0x03).saturating_add(1);
        let compressed = if flags & 0x40 != 0 {
            let size = read_varint(fields).map_err(header_overrun)?;
            if size == 0 {
                return Err(invalid("xz block header declares zero bytes"));
            }
            Some(size)
        } else {
            None
        };
        let uncompressed = if flags & 0x80 != 0 {
            Some(read_varint(fields).map_err(header_overrun)?)
        } else {
            None
        };

        let mut dict_size = None;
        for _ in 0..filter_count {
            let id = read_varint(fields).map_err(header_overrun)?;
            let props_len = read_varint(fields).map_err(header_overrun)?;
            let props_len = usize::try_from(props_len).unwrap_or(usize::MAX);
            let props = fields.get(..props_len).ok_or_else(|| {
                invalid("xz filter properties overrun the block header")
            })?;
            *fields = fields.get(props_len..).unwrap_or_default();
            if id != LZMA2_FILTER_ID {
                return Err(invalid(format!(
                    "unsupported xz filter 0x{id:02X} ({}); only LZMA2 \
                     is supported",
                    filter_name(id)
                )));
            }
            if dict_size.is_some() {
                return Err(invalid("xz filter chain repeats LZMA2"));
            }
            dict_size = Some(lzma2_dict_size(props)?);
        }
        let dict_size =
            dict_size.ok_or_else(|| invalid("xz block has no filter"))?;
        if fields.iter().any(|&byte| byte != 0) {
            return Err(invalid("xz block header padding is not zero"));
        }
        Ok(BlockFields { compressed, uncompressed, dict_size })
    }
}

/// Decodes the LZMA2 filter property: a dictionary size of 2 or 3 times
/// a power of two, from 4 KiB, or 4 GiB - 1 for the value 40.
fn lzma2_dict_size(props: &[u8]) -> io::Result<u32> {
    let [props] = props else {
        return Err(invalid("xz LZMA2 filter properties are not 1 byte"));
    };
    let size = match *props {
        40 => u64::from(u32::MAX),
        bits @ 0..40 => {
            let base = 2 | u64::from(bits & 1);
            let shift = u32::from(bits / 2).saturating_add(11);
            base.checked_shl(shift).unwrap_or(u64::MAX)
        }
        bits => {
            return Err(invalid(format!(
                "invalid xz LZMA2 dictionary property 0x{bits:02X}"
            )));
        }
    };
    if size > MAX_DICT_SIZE {
        return Err(invalid(format!(
            "xz LZMA2 dictionary of {} MiB exceeds the {} MiB limit",
            size.div_ceil(1 << 20),
            MAX_DICT_SIZE >> 20
        )));
    }
    Ok(u32::try_from(size).unwrap_or(u32::MAX))
}

fn filter_name(id: u64) -> &'static str {
    match id {
        0x03 => "Delta",
        0x04 => "BCJ x86",
        0x05 => "BCJ PowerPC",
        0x06 => "BCJ IA-64",
        0x07 => "BCJ ARM",
        0x08 => "BCJ ARM-Thumb",
        0x09 => "BCJ SPARC",
        0x0A => "BCJ ARM64",
        0x0B => "BCJ RISC-V",
        _ => "unknown",
    }
}

/// A block's integrity check, by the stream's check id.
enum Check {
    None,
    Crc32(Crc),
    Crc64(Crc64),
    Sha256(Sha256),
    /// A reserved check id: its value has a size by the id's group but
    /// no defined algorithm, so it is skipped unverified.
    Unknown(usize),
}

impl Check {
    fn new(id: u8) -> Self {
        match id {
            0x00 => Check::None,
            0x01 => Check::Crc32(Crc::new()),
            0x04 => Check::Crc64(Crc64::new()),
            0x0A => Check::Sha256(Sha256::new()),
            // Ids come in groups of three sharing a size: 1-3 take 4
            // bytes, 4-6 take 8, and so on up to 64 for 13-15.
            _ => Check::Unknown(match id {
                0x01..=0x03 => 4,
                0x04..=0x06 => 8,
                0x07..=0x09 => 16,
                0x0A..=0x0C => 32,
                _ => 64,
            }),
        }
    }

    fn len(&self) -> usize {
        match self {
            Check::None => 0,
            Check::Crc32(_) => 4,
            Check::Crc64(_) => 8,
            Check::Sha256(_) => 32,
            Check::Unknown(len) => *len,
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Check::Crc32(crc) => crc.update(bytes),
            Check::Crc64(crc) => crc.update(bytes),
            Check::Sha256(hash) => hash.update(bytes),
            Check::None | Check::Unknown(_) => {}
        }
    }

    fn verify(self, stored: &[u8]) -> io::Result<()> {
        let (name, matches) = match self {
            Check::Crc32(crc) => ("CRC32", crc.sum() == le_u32(stored)),
            Check::Crc64(crc) => ("CRC64", crc.sum().to_le_bytes() == stored),
            Check::Sha256(hash) => {
                ("SHA-256", hash.finalize().as_slice() == stored)
            }
            Check::None | Check::Unknown(_) => return Ok(()),
        };
        if matches {
            Ok(())
        } else {
            Err(invalid(format!("xz block {name} check mismatch")))
        }
    }
}

/// CRC-64/XZ: the ECMA-182 polynomial, reflected, with all bits set at
/// the start and inverted at the end.
struct Crc64(u64);

const CRC64_POLY: u64 = 0xC96C_5795_D787_0F42;

const CRC64_TABLE: [u64; 256] = crc64_table();

// Runs at compile time, where an index or overflow fault fails the build.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn crc64_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut index = 0u8;
    loop {
        let mut crc = index as u64;
        let mut bit = 0;
        while bit < 8 {
            crc =
                if crc & 1 == 1 { (crc >> 1) ^ CRC64_POLY } else { crc >> 1 };
            bit += 1;
        }
        table[index as usize] = crc;
        if index == u8::MAX {
            return table;
        }
        index += 1;
    }
}

impl Crc64 {
    fn new() -> Self {
        Crc64(u64::MAX)
    }

    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            let index = usize::from(self.0.to_le_bytes()[0] ^ byte);
            let entry = CRC64_TABLE.get(index).copied().unwrap_or_default();
            self.0 = entry ^ (self.0 >> 8);
        }
    }

    fn sum(&self) -> u64 {
        !self.0
    }
}

/// A CRC32 over a sequence of (unpadded size, uncompressed size) pairs.
struct RecordsCrc(Crc);

impl Default for RecordsCrc {
    fn default() -> Self {
        RecordsCrc(Crc::new())
    }
}

impl RecordsCrc {
    fn add(&mut self, unpadded: u64, uncompressed: u64) {
        self.0.update(&unpadded.to_le_bytes());
        self.0.update(&uncompressed.to_le_bytes());
    }

    fn sum(&self) -> u32 {
        self.0.sum()
    }
}

/// Reads a multibyte integer: 7 bits a byte, least significant first,
/// at most 9 bytes, with no trailing zero byte.
fn read_varint(input: &mut impl Read) -> io::Result<u64> {
    let mut value = 0u64;
    let mut shift = 0u32;
    for position in 0..9 {
        let byte = read_byte(input)?;
        value |= u64::from(byte & 0x7F).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            if byte == 0 && position > 0 {
                return Err(invalid("overlong xz variable-length integer"));
            }
            return Ok(value);
        }
        shift = shift.saturating_add(7);
    }
    Err(invalid("xz variable-length integer is longer than 9 bytes"))
}

/// Reads the zero bytes that pad a field starting at `start` to a
/// multiple of 4 bytes.
fn skip_padding<R: Read>(
    input: &mut Input<R>,
    start: u64,
    field: &str,
) -> io::Result<()> {
    while input.position.saturating_sub(start) & 3 != 0 {
        if read_byte(input)? != 0 {
            return Err(invalid(format!("{field} padding is not zero")));
        }
    }
    Ok(())
}

fn read_byte(input: &mut impl Read) -> io::Result<u8> {
    let mut byte = [0u8; 1];
    input.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// Fills `buf` unless the input ends first, and returns the count read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) =
        buf.get_mut(filled..).filter(|rest| !rest.is_empty())
    {
        match input.read(rest) {
            Ok(0) => break,
            Ok(read) => filled = filled.saturating_add(read),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Reads a little-endian u32 from the first 4 bytes, or 0 from fewer.
fn le_u32(bytes: &[u8]) -> u32 {
    let word = bytes.first_chunk::<4>().copied().unwrap_or_default();
    u32::from_le_bytes(word)
}

fn byte_at(bytes: &[u8], index: usize) -> u8 {
    bytes.get(index).copied().unwrap_or_default()
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Turns a field read past the end of the block header into an
/// invalid-header error, instead of a truncated input.
fn header_overrun(error: io::Error) -> io::Error {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        invalid("xz block header fields overrun its size")
    } else {
        error
    }
}

fn lzma2_error(error: io::Error) -> io::Error {
    match error.kind() {
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            invalid(format!("invalid LZMA2 data in xz block: {error}"))
        }
        _ => error,
    }
}

fn describe_truncation(error: io::Error) -> io::Error {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        io::Error::new(io::ErrorKind::UnexpectedEof, "xz input is truncated")
    } else {
        error
    }
}

#[cfg(test)]
mod tests;
