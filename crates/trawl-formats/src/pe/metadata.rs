//! The report's `metadata` object for a PE file.
//!
//! The first fields have iocx 0.7.6's names, order and shapes, so that
//! consumers of iocx can read trawl's reports; trawl's own fields follow
//! them. Values are trawl's where iocx is wrong, as listed in
//! `docs/compatibility.md`.

use serde::Serialize;

use super::certs::Signature;
use super::dotnet::DotNet;
use super::hashes::{self, FileDigests};
use super::imports::ImportDescriptor;
use super::resources::ResourceEntry;
use super::version::VersionInfo;
use super::{decode_lossy_dropping, Pe};

/// The PE `metadata` object.
#[derive(Clone, Debug, Serialize)]
pub struct PeMetadata {
    /// Always `"PE"`.
    pub file_type: &'static str,
    /// DLL names of the regular imports, in descriptor order; a DLL
    /// whose thunks yield no symbol is left out, as iocx does.
    pub imports: Vec<String>,
    /// Section names.
    pub sections: Vec<String>,
    /// One entry per resource data leaf, sorted by type, language and
    /// RVA.
    pub resources: Vec<ResourceEntry>,
    /// The text of string tables, manifests and RCDATA or HTML leaves,
    /// in the order the tree walk reached their leaves.
    pub resource_strings: Vec<String>,
    /// One entry per regular imported symbol.
    pub import_details: Vec<ImportDetail>,
    /// One entry per delay-load imported symbol.
    pub delayed_imports: Vec<ImportDetail>,
    /// One entry per bound import descriptor.
    pub bound_imports: Vec<BoundImportEntry>,
    /// Exported symbols: named ones first, then ordinal-only ones.
    pub exports: Vec<ExportEntry>,
    /// The TLS directory's address fields.
    pub tls: Option<TlsEntry>,
    /// File and optional header fields; `null` without a file header.
    pub header: Option<HeaderEntry>,
    /// Optional header fields; `null` without an optional header.
    pub optional_header: Option<OptionalHeaderEntry>,
    /// The Rich header.
    pub rich_header: Option<RichEntry>,
    /// One entry per WIN_CERTIFICATE of the certificate table.
    pub signatures: Vec<Signature>,
    /// Whether the certificate table has at least one readable entry.
    pub has_signature: bool,
    /// File hashes and the import hash.
    pub hashes: HashesEntry,
    /// The first CodeView record of the debug directory.
    pub debug: Option<DebugEntry>,
    /// Data past the end of the image.
    pub overlay: Option<OverlayEntry>,
    /// Malformations found while parsing.
    pub anomalies: Vec<AnomalyEntry>,
    /// The first version resource, decoded.
    pub version_info: Option<VersionInfo>,
    /// The CLR header and metadata of a .NET assembly.
    pub dotnet: Option<DotNet>,
}

/// One imported symbol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportDetail {
    /// The DLL name.
    pub dll: String,
    /// The symbol name; for an ordinal import from ws2_32, wsock32 or
    /// oleaut32, the name the ordinal stands for.
    pub function: Option<String>,
    /// The ordinal, `null` for an import by name.
    pub ordinal: Option<u16>,
}

/// One bound import descriptor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BoundImportEntry {
    /// The DLL name.
    pub dll: String,
    /// Time stamp of the DLL the image was bound to.
    pub timestamp: u32,
}

/// One exported symbol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportEntry {
    /// The name, `null` for an export by ordinal only.
    pub name: Option<String>,
    /// The ordinal.
    pub ordinal: u32,
    /// The RVA of the export.
    pub address: u32,
    /// The forwarder string, such as `NTDLL.RtlAllocateHeap`.
    pub forwarder: Option<String>,
}

/// The TLS directory's VA fields, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsEntry {
    /// `StartAddressOfRawData`.
    pub start_address: u64,
    /// `EndAddressOfRawData`.
    pub end_address: u64,
    /// `AddressOfCallBacks`, 0 when none.
    pub callbacks: u64,
}

/// File header fields and the entry point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeaderEntry {
    /// Entry point RVA.
    pub entry_point: u32,
    /// Preferred load address.
    pub image_base: u64,
    /// Subsystem value.
    pub subsystem: u16,
    /// Subsystem name, `null` when unknown.
    pub subsystem_name: Option<&'static str>,
    /// Link time stamp.
    pub timestamp: u32,
    /// Machine value.
    pub machine: u16,
    /// Machine name, `null` when unknown.
    pub machine_name: Option<&'static str>,
    /// `IMAGE_FILE_*` flags.
    pub characteristics: u16,
}

/// Optional header fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptionalHeaderEntry {
    /// Section alignment.
    pub section_alignment: u32,
    /// File alignment.
    pub file_alignment: u32,
    /// Size of the image in memory.
    pub size_of_image: u32,
    /// Size of the headers.
    pub size_of_headers: u32,
    /// Linker version, `major.minor`.
    pub linker_version: String,
    /// Operating system version, `major.minor`.
    pub os_version: String,
    /// Subsystem version, `major.minor`.
    pub subsystem_version: String,
    /// DLL characteristics flags.
    pub dll_characteristics: u16,
    /// Names of the known flags set, in ascending bit order.
    pub dll_characteristics_flags: Vec<&'static str>,
    /// The set bits outside the known flags as `0x%04X`, or `null`.
    pub dll_characteristics_unknown_bits: Option<String>,
    /// `Win32VersionValue`.
    pub win32_version_value: u32,
    /// `LoaderFlags`.
    pub loader_flags: u32,
    /// Stack reserve size.
    pub stack_reserve_size: u64,
    /// Stack commit size.
    pub stack_commit_size: u64,
    /// Heap reserve size.
    pub heap_reserve_size: u64,
    /// Heap commit size.
    pub heap_commit_size: u64,
}

/// The Rich header in iocx's shape, bytes as lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RichEntry {
    /// The XOR key.
    pub key: String,
    /// The masked block.
    pub raw_data: String,
    /// The decoded block.
    pub clear_data: String,
    /// The key as a little-endian integer.
    pub checksum: u32,
    /// Alternating comp id and count.
    pub values: Vec<u32>,
}

/// File hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HashesEntry {
    /// MD5 of the file.
    pub md5: String,
    /// SHA-1 of the file.
    pub sha1: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Import hash as pefile computes it; empty without imports.
    pub imphash: String,
}

/// The CodeView record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DebugEntry {
    /// The PDB path.
    pub pdb_path: String,
    /// The PDB GUID (or NB10 signature).
    pub guid: String,
    /// The PDB age.
    pub age: u32,
}

/// The overlay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverlayEntry {
    /// File offset of the first byte past the image.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
    /// Shannon entropy in bits per byte, rounded to 4 decimals.
    pub entropy: f64,
    /// The entropy before rounding, which the validator judges and
    /// reports.
    #[serde(skip)]
    pub unrounded_entropy: f64,
}

/// One anomaly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnomalyEntry {
    /// Stable snake_case code.
    pub code: &'static str,
    /// Description of the finding.
    pub detail: String,
}

impl PeMetadata {
    /// Builds the metadata of a parsed PE file.
    pub fn new(pe: &Pe<'_>) -> PeMetadata {
        PeMetadata::with_digests(pe, hashes::file_digests(pe.image.data()))
    }

    /// Builds the metadata of a parsed PE file whose digests `digests`
    /// holds, computed by the caller from the same bytes.
    pub fn with_digests(pe: &Pe<'_>, digests: FileDigests) -> PeMetadata {
        let image = &pe.image;
        let listed = || pe.imports.iter().filter(|d| !d.symbols.is_empty());
        let FileDigests { md5, sha1, sha256 } = digests;
        let imphash = hashes::imphash(&pe.imports);
        PeMetadata {
            file_type: "PE",
            imports: listed().map(|d| decode_lossy_dropping(&d.dll)).collect(),
            sections: image
                .sections
                .iter()
                .map(|s| s.display_name())
                .collect(),
            resources: pe.resources.entries.clone(),
            resource_strings: pe
                .resources
                .strings
                .iter()
                .map(|string| string.text.clone())
                .collect(),
            import_details: import_details(&pe.imports),
            delayed_imports: import_details(&pe.delay_imports),
            bound_imports: pe
                .bound_imports
                .iter()
                .map(|b| BoundImportEntry {
                    dll: decode_lossy_dropping(&b.dll),
                    timestamp: b.time_date_stamp,
                })
                .collect(),
            exports: exports(pe),
            tls: pe.tls.as_ref().map(|tls| TlsEntry {
                start_address: tls.start_address_of_raw_data,
                end_address: tls.end_address_of_raw_data,
                callbacks: tls.address_of_callbacks,
            }),
            header: header(pe),
            optional_header: optional_header(pe),
            rich_header: pe.rich.as_ref().map(|rich| RichEntry {
                key: hashes::hex(&rich.key),
                raw_data: hashes::hex(&rich.raw_data),
                clear_data: hashes::hex(&rich.clear_data),
                checksum: rich.checksum,
                values: rich.values.clone(),
            }),
            signatures: pe.signatures.clone(),
            has_signature: !pe.signatures.is_empty(),
            hashes: HashesEntry { md5, sha1, sha256, imphash },
            debug: pe.debug.iter().find_map(|entry| {
                let codeview = entry.codeview.as_ref()?;
                Some(DebugEntry {
                    pdb_path: decode_lossy_dropping(&codeview.pdb_path),
                    guid: codeview.guid.clone(),
                    age: codeview.age,
                })
            }),
            overlay: image.overlay.map(|overlay| {
                let bytes =
                    image.data().get(overlay.offset..).unwrap_or_default();
                let unrounded_entropy = entropy(bytes);
                OverlayEntry {
                    offset: overlay.offset,
                    size: overlay.size,
                    entropy: round4(unrounded_entropy),
                    unrounded_entropy,
                }
            }),
            anomalies: pe
                .anomalies
                .iter()
                .map(|a| AnomalyEntry {
                    code: a.code,
                    detail: a.detail.clone(),
                })
                .collect(),
            version_info: pe.version_info.clone(),
            dotnet: pe.dotnet.clone(),
        }
    }
}

/// Lists the symbols of descriptors that have any. An ordinal import
/// from a DLL with an ordinal table gets the name the ordinal stands for
/// (or `ord<N>`), as pefile names it.
fn import_details(descriptors: &[ImportDescriptor]) -> Vec<ImportDetail> {
    let mut details = Vec::new();
    for descriptor in descriptors.iter().filter(|d| !d.symbols.is_empty()) {
        let dll = decode_lossy_dropping(&descriptor.dll);
        let lower = dll.to_lowercase();
        for symbol in &descriptor.symbols {
            let function = match (&symbol.name, symbol.ordinal) {
                (Some(name), _) => Some(decode_lossy_dropping(name)),
                (None, Some(ordinal)) if hashes::has_ordinal_table(&lower) => {
                    Some(hashes::ordinal_name(&lower, ordinal).map_or_else(
                        || format!("ord{ordinal}"),
                        str::to_string,
                    ))
                }
                (None, _) => None,
            };
            details.push(ImportDetail {
                dll: dll.clone(),
                function,
                ordinal: symbol.ordinal,
            });
        }
    }
    details
}

fn exports(pe: &Pe<'_>) -> Vec<ExportEntry> {
    let Some(exports) = &pe.exports else {
        return Vec::new();
    };
    exports
        .symbols
        .iter()
        .map(|symbol| ExportEntry {
            name: symbol.name.as_deref().map(decode_lossy_dropping),
            ordinal: symbol.ordinal,
            address: symbol.address,
            forwarder: symbol.forwarder.as_deref().map(decode_lossy_dropping),
        })
        .collect()
}

fn header(pe: &Pe<'_>) -> Option<HeaderEntry> {
    let file = pe.image.file_header?;
    let optional = pe.image.optional_header.unwrap_or_default();
    Some(HeaderEntry {
        entry_point: optional.address_of_entry_point,
        image_base: optional.image_base,
        subsystem: optional.subsystem,
        subsystem_name: subsystem_name(optional.subsystem),
        timestamp: file.time_date_stamp,
        machine: file.machine,
        machine_name: machine_name(file.machine),
        characteristics: file.characteristics,
    })
}

fn optional_header(pe: &Pe<'_>) -> Option<OptionalHeaderEntry> {
    let h = pe.image.optional_header?;
    let known =
        DLL_CHARACTERISTICS.iter().fold(0u16, |mask, &(bit, _)| mask | bit);
    let unknown = h.dll_characteristics & !known;
    Some(OptionalHeaderEntry {
        section_alignment: h.section_alignment,
        file_alignment: h.file_alignment,
        size_of_image: h.size_of_image,
        size_of_headers: h.size_of_headers,
        linker_version: format!(
            "{}.{}",
            h.major_linker_version, h.minor_linker_version
        ),
        os_version: format!(
            "{}.{}",
            h.major_operating_system_version, h.minor_operating_system_version
        ),
        subsystem_version: format!(
            "{}.{}",
            h.major_subsystem_version, h.minor_subsystem_version
        ),
        dll_characteristics: h.dll_characteristics,
        dll_characteristics_flags: DLL_CHARACTERISTICS
            .iter()
            .filter(|&&(bit, _)| h.dll_characteristics & bit != 0)
            .map(|&(_, name)| name)
            .collect(),
        dll_characteristics_unknown_bits: (unknown != 0)
            .then(|| format!("0x{unknown:04X}")),
        win32_version_value: h.win32_version_value,
        loader_flags: h.loader_flags,
        stack_reserve_size: h.size_of_stack_reserve,
        stack_commit_size: h.size_of_stack_commit,
        heap_reserve_size: h.size_of_heap_reserve,
        heap_commit_size: h.size_of_heap_commit,
    })
}

/// Returns the Shannon entropy of `bytes` in bits per byte; 0 when
/// empty.
pub fn entropy(bytes: &[u8]) -> f64 {
    let counts = byte_counts(bytes);
    let total = bytes.len() as f64;
    if bytes.is_empty() {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Counts each byte value in `bytes`.
///
/// Eight histograms take the bytes in turn and are added at the end. With
/// one histogram, a run of one value (zero padding is common) makes each
/// increment wait for the store of the previous one to the same counter.
/// Counters of 32 bits keep the eight histograms within 8 KiB of cache.
fn byte_counts(bytes: &[u8]) -> [u64; 256] {
    let mut counts = [0u64; 256];
    for chunk in bytes.chunks(COUNT_CHUNK_LEN) {
        let mut lanes = [[0u32; 256]; 8];
        let (octets, rest) = chunk.as_chunks::<8>();
        for octet in octets {
            for (lane, &byte) in lanes.iter_mut().zip(octet) {
                if let Some(count) = lane.get_mut(usize::from(byte)) {
                    *count = count.wrapping_add(1);
                }
            }
        }
        for (lane, &byte) in lanes.iter_mut().zip(rest) {
            if let Some(count) = lane.get_mut(usize::from(byte)) {
                *count = count.wrapping_add(1);
            }
        }
        // A slice has fewer than 2^64 bytes, so no count wraps.
        for (index, count) in counts.iter_mut().enumerate() {
            for lane in &lanes {
                let added = lane.get(index).copied().unwrap_or(0);
                *count = count.wrapping_add(u64::from(added));
            }
        }
    }
    counts
}

/// Bytes counted into the 32-bit histograms before they are added to
/// the total. A lane then counts at most 2^27 bytes, so none wraps.
const COUNT_CHUNK_LEN: usize = 1 << 30;

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// `IMAGE_DLLCHARACTERISTICS_*` flags in ascending bit order.
const DLL_CHARACTERISTICS: [(u16, &str); 11] = [
    (0x0020, "HIGH_ENTROPY_VA"),
    (0x0040, "DYNAMIC_BASE"),
    (0x0080, "FORCE_INTEGRITY"),
    (0x0100, "NX_COMPAT"),
    (0x0200, "NO_ISOLATION"),
    (0x0400, "NO_SEH"),
    (0x0800, "NO_BIND"),
    (0x1000, "APPCONTAINER"),
    (0x2000, "WDM_DRIVER"),
    (0x4000, "GUARD_CF"),
    (0x8000, "TERMINAL_SERVER_AWARE"),
];

/// Returns the `IMAGE_SUBSYSTEM_*` name without its prefix.
fn subsystem_name(subsystem: u16) -> Option<&'static str> {
    Some(match subsystem {
        0 => "UNKNOWN",
        1 => "NATIVE",
        2 => "WINDOWS_GUI",
        3 => "WINDOWS_CUI",
        5 => "OS2_CUI",
        7 => "POSIX_CUI",
        8 => "NATIVE_WINDOWS",
        9 => "WINDOWS_CE_GUI",
        10 => "EFI_APPLICATION",
        11 => "EFI_BOOT_SERVICE_DRIVER",
        12 => "EFI_RUNTIME_DRIVER",
        13 => "EFI_ROM",
        14 => "XBOX",
        16 => "WINDOWS_BOOT_APPLICATION",
        _ => return None,
    })
}

/// Returns the `IMAGE_FILE_MACHINE_*` name without its prefix.
fn machine_name(machine: u16) -> Option<&'static str> {
    Some(match machine {
        0x0000 => "UNKNOWN",
        0x014C => "I386",
        0x0162 => "R3000",
        0x0166 => "R4000",
        0x0168 => "R10000",
        0x0169 => "WCEMIPSV2",
        0x0184 => "ALPHA",
        0x01A2 => "SH3",
        0x01A3 => "SH3DSP",
        0x01A4 => "SH3E",
        0x01A6 => "SH4",
        0x01A8 => "SH5",
        0x01C0 => "ARM",
        0x01C2 => "THUMB",
        0x01C4 => "ARMNT",
        0x01D3 => "AM33",
        0x01F0 => "POWERPC",
        0x01F1 => "POWERPCFP",
        0x0200 => "IA64",
        0x0266 => "MIPS16",
        0x0284 => "ALPHA64",
        0x0366 => "MIPSFPU",
        0x0466 => "MIPSFPU16",
        0x0520 => "TRICORE",
        0x0CEF => "CEF",
        0x0EBC => "EBC",
        0x5032 => "RISCV32",
        0x5064 => "RISCV64",
        0x5128 => "RISCV128",
        0x6232 => "LOONGARCH32",
        0x6264 => "LOONGARCH64",
        0x8664 => "AMD64",
        0x9041 => "M32R",
        0xAA64 => "ARM64",
        0xC0EE => "CEE",
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_match_single_histogram() {
        // Lengths around the eight-byte stride, runs of one value and
        // every byte value.
        let mut inputs: Vec<Vec<u8>> = (0..18)
            .map(|len| (0..len).map(|i| (i * 7) as u8).collect())
            .collect();
        inputs.push(vec![0; 1001]);
        inputs.push((0..=255).chain(0..=255).chain([9, 9, 9]).collect());
        for input in inputs {
            let mut expected = [0u64; 256];
            for &byte in &input {
                expected[usize::from(byte)] += 1;
            }
            assert_eq!(byte_counts(&input), expected, "{input:?}");
        }
    }

    #[test]
    fn entropy_of_known_distributions() {
        let cases: [(&[u8], f64); 4] = [
            (b"", 0.0),
            (b"aaaaaaa", 0.0),
            (b"abababab", 1.0),
            (b"abcdabcdabcd", 2.0),
        ];
        for (input, expected) in cases {
            assert_eq!(entropy(input), expected, "{input:?}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(entropy(&all), 8.0);
    }
}
