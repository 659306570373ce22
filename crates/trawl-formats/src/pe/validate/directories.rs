//! Validators of the data directory table, the import directory's
//! reachability and the certificate table.

use super::{virtual_end, Context, Details, Issue, MAX_FINDINGS_PER_CHECK};
use crate::pe::reason::Reason;
use crate::pe::{dir, read_u16, read_u32, RvaMap};

/// Names of the data directory entries, as `winnt.h` spells them.
pub const DIRECTORY_NAMES: [&str; 16] = [
    "IMAGE_DIRECTORY_ENTRY_EXPORT",
    "IMAGE_DIRECTORY_ENTRY_IMPORT",
    "IMAGE_DIRECTORY_ENTRY_RESOURCE",
    "IMAGE_DIRECTORY_ENTRY_EXCEPTION",
    "IMAGE_DIRECTORY_ENTRY_SECURITY",
    "IMAGE_DIRECTORY_ENTRY_BASERELOC",
    "IMAGE_DIRECTORY_ENTRY_DEBUG",
    "IMAGE_DIRECTORY_ENTRY_COPYRIGHT",
    "IMAGE_DIRECTORY_ENTRY_GLOBALPTR",
    "IMAGE_DIRECTORY_ENTRY_TLS",
    "IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG",
    "IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT",
    "IMAGE_DIRECTORY_ENTRY_IAT",
    "IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT",
    "IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR",
    "IMAGE_DIRECTORY_ENTRY_RESERVED",
];

/// Directory pairs that linkers nest on purpose: GNU ld's import
/// directory covers the whole `.idata` section, import address table
/// included.
const ALLOWED_NESTINGS: [(usize, usize); 1] = [(dir::IMPORT, dir::IAT)];

/// Size of one import descriptor.
const IMPORT_DESCRIPTOR_LEN: usize = 20;

/// `WIN_CERTIFICATE` revisions 1.0 and 2.0.
const CERT_REVISIONS: [u16; 2] = [0x0100, 0x0200];
/// `WIN_CERT_TYPE_X509` and `WIN_CERT_TYPE_PKCS_SIGNED_DATA`.
const CERT_TYPES: [u16; 2] = [0x0001, 0x0002];
/// Most certificate entries walked.
const MAX_CERTIFICATES: usize = 1024;

fn name(index: usize) -> &'static str {
    DIRECTORY_NAMES
        .get(index)
        .copied()
        .unwrap_or("IMAGE_DIRECTORY_ENTRY_UNKNOWN")
}

/// Checks each data directory (except the certificate table, whose
/// address is a file offset) against the headers, SizeOfImage and the
/// sections, then every pair for overlaps.
pub(super) fn data_directories(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directories = &cx.image.data_directories;
    for (index, directory) in directories.iter().enumerate() {
        if index == dir::SECURITY {
            continue;
        }
        let (rva, size) = (directory.rva, directory.size);
        let details = || {
            Details::default()
                .with("directory", name(index))
                .with("rva", rva)
                .with("size", size)
        };
        match (rva, size) {
            (0, 0) => continue,
            (0, _) => {
                issues.push(Issue::new(
                    Reason::DataDirectoryZeroRvaNonzeroSize,
                    details(),
                ));
                continue;
            }
            (_, 0) => {
                issues.push(Issue::new(
                    Reason::DataDirectoryZeroSizeNonzeroRva,
                    details(),
                ));
                continue;
            }
            _ => {}
        }
        // Bound import descriptors are written into the header area by
        // the binder, so only the other directories are misplaced there.
        if rva < cx.size_of_headers && index != dir::BOUND_IMPORT {
            issues.push(Issue::new(Reason::DataDirectoryInHeaders, details()));
            continue;
        }
        let end = u64::from(rva).saturating_add(u64::from(size));
        if end > u64::from(cx.size_of_image) {
            issues.push(Issue::new(
                Reason::DataDirectoryOutOfRange,
                details().with("size_of_image", cx.size_of_image),
            ));
            continue;
        }
        if index == dir::BOUND_IMPORT && rva < cx.size_of_headers {
            continue;
        }
        if let Some(section) = cx.section_of(rva) {
            let delta = rva.saturating_sub(section.virtual_address);
            let with_section =
                || details().with("section", section.display_name());
            if cx.naive_offset_in_overlay(rva) {
                issues.push(Issue::new(
                    Reason::DataDirectoryInOverlay,
                    with_section(),
                ));
            } else if delta >= section.size_of_raw_data {
                issues.push(Issue::new(
                    Reason::DataDirectoryRawMismatch,
                    with_section()
                        .with("raw_address", section.pointer_to_raw_data)
                        .with("raw_size", section.size_of_raw_data),
                ));
            }
        }
        let touched = cx
            .sections
            .iter()
            .filter(|s| {
                u64::from(s.virtual_address) < end
                    && virtual_end(s) > u64::from(rva)
            })
            .count();
        if touched == 0 {
            issues.push(Issue::new(
                Reason::DataDirectoryNotMappedToSection,
                details(),
            ));
        } else if touched > 1 {
            issues.push(Issue::new(
                Reason::DataDirectorySpansMultipleSections,
                details().with("sections", touched),
            ));
        }
    }
    directory_overlaps(cx, issues);
}

fn directory_overlaps(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let ranges: Vec<(usize, u64, u64)> = cx
        .image
        .data_directories
        .iter()
        .enumerate()
        .filter(|&(index, d)| {
            index != dir::SECURITY && d.rva != 0 && d.size != 0
        })
        .map(|(index, d)| {
            let start = u64::from(d.rva);
            (index, start, start.saturating_add(u64::from(d.size)))
        })
        .collect();
    let mut found = 0;
    for (i, &(a, a_start, a_end)) in ranges.iter().enumerate() {
        for &(b, b_start, b_end) in ranges.iter().skip(i.saturating_add(1)) {
            if a_start >= b_end || b_start >= a_end {
                continue;
            }
            if ALLOWED_NESTINGS.contains(&(a, b))
                || ALLOWED_NESTINGS.contains(&(b, a))
            {
                continue;
            }
            if found == MAX_FINDINGS_PER_CHECK {
                return;
            }
            found = found.saturating_add(1);
            issues.push(Issue::new(
                Reason::DataDirectoryOverlap,
                Details::default()
                    .with("directory_a", name(a))
                    .with("directory_b", name(b)),
            ));
        }
    }
}

/// Checks that a declared import directory, and the names and thunk
/// arrays of its descriptors, lie in bytes of the file.
pub(super) fn imports(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directory = cx.image.directory(dir::IMPORT);
    if directory.rva == 0 && directory.size == 0 {
        return;
    }
    let details = Details::default()
        .with("rva", directory.rva)
        .with("size", directory.size);
    if directory.rva == 0
        || cx.image.bytes_at(directory.rva, IMPORT_DESCRIPTOR_LEN).is_none()
    {
        issues.push(Issue::with_sub(
            Reason::ImportRvaInvalid,
            "directory_unmapped",
            details,
        ));
        return;
    }
    let mut found = 0;
    for descriptor in &cx.pe.imports {
        let thunks = if descriptor.lookup_table_rva != 0 {
            descriptor.lookup_table_rva
        } else {
            descriptor.address_table_rva
        };
        let checks = [
            ("name_unmapped", descriptor.name_rva),
            ("thunks_unmapped", thunks),
        ];
        for (sub, rva) in checks {
            if cx.image.offset_of(rva).is_some()
                || found == MAX_FINDINGS_PER_CHECK
            {
                continue;
            }
            found = found.saturating_add(1);
            issues.push(Issue::with_sub(
                Reason::ImportRvaInvalid,
                sub,
                Details::default()
                    .with(
                        "dll",
                        crate::pe::decode_lossy_dropping(&descriptor.dll),
                    )
                    .with("rva", rva),
            ));
        }
    }
}

/// Checks the certificate table: inside the file, after the image's
/// data, and made of well-formed `WIN_CERTIFICATE` entries.
pub(super) fn certificates(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directory = cx.image.directory(dir::SECURITY);
    let (offset, size) = (directory.rva, directory.size);
    if offset == 0 && size == 0 {
        return;
    }
    let details =
        || Details::default().with("offset", offset).with("size", size);
    if offset == 0 || size == 0 {
        let sub = if offset == 0 { "zero_offset" } else { "zero_size" };
        issues.push(Issue::with_sub(
            Reason::CertificateTableMalformed,
            sub,
            details(),
        ));
        return;
    }
    let data = cx.image.data();
    let file_len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    let start = u64::from(offset);
    let end = start.saturating_add(u64::from(size));
    if end > file_len {
        issues.push(Issue::new(
            Reason::SignatureOutOfFileBounds,
            details().with("file_size", file_len),
        ));
        return;
    }
    let image_end = cx
        .image
        .sections
        .iter()
        .filter(|s| s.size_of_raw_data > 0)
        .map(|s| s.raw_end())
        .max()
        .unwrap_or(0);
    if start < image_end {
        issues.push(Issue::new(
            Reason::CertificateOffsetInsideImage,
            details().with("image_raw_end", image_end),
        ));
    }
    for section in cx.sections {
        let raw_start = u64::from(section.pointer_to_raw_data);
        if section.size_of_raw_data > 0
            && start < section.raw_end()
            && raw_start < end
        {
            issues.push(Issue::new(
                Reason::SignatureOverlapsOtherData,
                details().with("section", section.display_name()),
            ));
            break;
        }
    }
    walk_certificates(data, start, end, issues);
}

/// Walks the `WIN_CERTIFICATE` entries in `data[start..end]`, each at an
/// 8-byte aligned offset, and checks their headers.
fn walk_certificates(
    data: &[u8],
    start: u64,
    end: u64,
    issues: &mut Vec<Issue>,
) {
    let mut position = start;
    let mut count = 0usize;
    while position.saturating_add(8) <= end && count < MAX_CERTIFICATES {
        let Ok(at) = usize::try_from(position) else {
            break;
        };
        let length = read_u32(data, at).unwrap_or(0);
        let revision = read_u16(data, at.saturating_add(4)).unwrap_or(0);
        let kind = read_u16(data, at.saturating_add(6)).unwrap_or(0);
        let index = count;
        let details = || {
            Details::default()
                .with("index", index)
                .with("offset", position)
                .with("length", length)
        };
        count = count.saturating_add(1);
        if length < 8 {
            issues.push(Issue::new(Reason::SignatureInvalidLength, details()));
            return;
        }
        if !CERT_REVISIONS.contains(&revision) {
            issues.push(Issue::new(
                Reason::SignatureInvalidRevision,
                details().with("revision", revision),
            ));
        }
        if !CERT_TYPES.contains(&kind) {
            issues.push(Issue::new(
                Reason::SignatureInvalidType,
                details().with("certificate_type", kind),
            ));
        }
        let entry_end = position.saturating_add(u64::from(length));
        if entry_end > end {
            issues.push(Issue::with_sub(
                Reason::CertificateTableMalformed,
                "entry_past_table_end",
                details().with("table_end", end),
            ));
            return;
        }
        // Entries start on 8-byte boundaries.
        position = entry_end.saturating_add(7) & !7;
    }
    if count > 1 {
        issues.push(Issue::new(
            Reason::SignatureMultipleCertificates,
            Details::default().with("count", count),
        ));
    }
}
