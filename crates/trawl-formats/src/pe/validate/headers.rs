//! Validators of the entry point, the section table and the optional
//! header.

use super::{
    virtual_end, Context, Details, Issue, MAX_FINDINGS_PER_CHECK, SCN_CODE,
    SCN_DISCARDABLE, SCN_EXECUTE, SCN_INITIALIZED, SCN_READ, SCN_WRITE,
};
use crate::pe::image::{Section, MAX_DATA_DIRECTORIES};
use crate::pe::read_u32;
use crate::pe::reason::Reason;

/// `IMAGE_FILE_DLL`.
const FILE_DLL: u16 = 0x2000;

/// Smallest and largest file alignment the PE specification allows,
/// except in low-alignment images whose file and section alignments are
/// equal and below the page size.
const MIN_FILE_ALIGNMENT: u32 = 0x200;
const MAX_FILE_ALIGNMENT: u32 = 0x1_0000;

/// The loader places images at multiples of 64 KiB.
const IMAGE_BASE_ALIGNMENT: u64 = 0x1_0000;

/// Size of the fixed part of the PE32 and PE32+ optional headers.
const OPTIONAL_FIXED_PE32: u64 = 96;
const OPTIONAL_FIXED_PE32_PLUS: u64 = 112;

fn section_details(section: &Section) -> Details {
    Details::default().with("section", section.display_name())
}

/// Checks the entry point: present, outside the headers, inside an
/// executable, non-discardable section's file-backed data.
pub(super) fn entrypoint(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let Some(header) = cx.image.optional_header else {
        return;
    };
    let entry = header.address_of_entry_point;
    let details = || Details::default().with("entrypoint", entry);
    if entry == 0 {
        // A DLL without an entry point (resources only, or no
        // initialisation) is valid; an executable needs one.
        let is_dll = cx
            .image
            .file_header
            .is_some_and(|h| h.characteristics & FILE_DLL != 0);
        if !is_dll {
            issues
                .push(Issue::new(Reason::EntrypointZeroOrNegative, details()));
        }
        return;
    }
    let in_headers = entry < cx.size_of_headers;
    if in_headers {
        issues.push(Issue::new(
            Reason::EntrypointInHeaders,
            details().with("size_of_headers", cx.size_of_headers),
        ));
    }
    let Some(section) = cx.section_of(entry) else {
        if !in_headers {
            let position = if entry >= cx.size_of_image {
                "beyond_size_of_image"
            } else {
                "within_size_of_image_but_no_section"
            };
            issues.push(Issue::new(
                Reason::EntrypointOutOfBounds,
                details()
                    .with("position", position)
                    .with("size_of_image", cx.size_of_image),
            ));
        }
        return;
    };
    let flags = section.characteristics;
    let with_section = || {
        details()
            .with("section", section.display_name())
            .with("characteristics", flags)
    };
    if flags & SCN_EXECUTE == 0 {
        issues.push(Issue::new(
            Reason::EntrypointSectionNotExecutable,
            with_section(),
        ));
    }
    let name = section.name_bytes();
    if name == b".rsrc"
        || name == b".reloc"
        || flags & (SCN_CODE | SCN_EXECUTE) == 0
    {
        issues.push(Issue::new(
            Reason::EntrypointInNonCodeSection,
            with_section(),
        ));
    }
    if flags & SCN_DISCARDABLE != 0 {
        issues.push(Issue::new(
            Reason::EntrypointInDiscardableSection,
            with_section(),
        ));
    }
    let declared_end = u64::from(section.virtual_address)
        .saturating_add(u64::from(section.virtual_size));
    if section.virtual_size == 0 {
        issues.push(Issue::with_sub(
            Reason::EntrypointInTruncatedRegion,
            "zero_length_section",
            with_section(),
        ));
    } else if u64::from(entry) >= declared_end {
        issues.push(Issue::with_sub(
            Reason::EntrypointInTruncatedRegion,
            "beyond_virtual_size",
            with_section().with("virtual_size", section.virtual_size),
        ));
    }
    if cx.naive_offset_in_overlay(entry) {
        issues.push(Issue::new(Reason::EntrypointInOverlay, with_section()));
    }
}

/// Checks each section's flags, name and raw placement, then every pair
/// for overlaps, then the table order.
pub(super) fn sections(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let sections = &cx.sections;
    for section in sections.iter() {
        check_section(cx, section, issues);
    }
    pair_overlaps(sections, issues);
    let raw: Vec<u64> = sections
        .iter()
        .filter(|s| s.size_of_raw_data > 0)
        .map(|s| u64::from(s.pointer_to_raw_data))
        .collect();
    if !raw.is_sorted() {
        issues.push(Issue::new(
            Reason::SectionOutOfOrderRaw,
            Details::default().with("raw_addresses", raw),
        ));
    }
    let virtual_addresses: Vec<u64> =
        sections.iter().map(|s| u64::from(s.virtual_address)).collect();
    if !virtual_addresses.is_sorted() {
        issues.push(Issue::new(
            Reason::SectionOutOfOrderVirtual,
            Details::default().with("virtual_addresses", virtual_addresses),
        ));
    }
}

fn check_section(
    cx: &Context<'_, '_>,
    section: &Section,
    issues: &mut Vec<Issue>,
) {
    let flags = section.characteristics;
    let has = |bit: u32| flags & bit != 0;
    let details = || section_details(section).with("characteristics", flags);
    if has(SCN_EXECUTE) && has(SCN_WRITE) {
        issues.push(Issue::new(Reason::SectionRwx, details()));
    }
    if has(SCN_CODE) && !has(SCN_EXECUTE) {
        issues
            .push(Issue::new(Reason::SectionNonExecutableCodeLike, details()));
    }
    let name = section.name_bytes();
    if matches!(name, b".text" | b"text" | b"code") && !has(SCN_EXECUTE) {
        issues.push(Issue::new(
            Reason::SectionCodelikeNameNotExecutable,
            details(),
        ));
    }
    if name.iter().any(|&b| !(0x20..=0x7E).contains(&b)) {
        issues.push(Issue::new(
            Reason::SectionNameNonAscii,
            details().with("name_hex", hex(name)),
        ));
    } else if name.iter().all(|&b| b == b' ') {
        issues.push(Issue::new(Reason::SectionNameEmptyOrPadding, details()));
    }
    if has(SCN_DISCARDABLE) && has(SCN_EXECUTE) && has(SCN_WRITE) {
        issues.push(Issue::new(Reason::SectionImpossibleFlags, details()));
    }
    // A section without raw data has no file placement to check: the
    // specification requires PointerToRawData 0 there.
    if section.size_of_raw_data > 0 {
        let raw = section.pointer_to_raw_data;
        let raw_details = || section_details(section).with("raw_address", raw);
        if raw.checked_rem(cx.file_alignment).is_some_and(|r| r != 0) {
            issues.push(Issue::new(
                Reason::SectionRawMisaligned,
                raw_details().with("file_alignment", cx.file_alignment),
            ));
        }
        if raw < cx.size_of_headers {
            issues.push(Issue::new(
                Reason::SectionOverlapsHeaders,
                raw_details().with("size_of_headers", cx.size_of_headers),
            ));
        }
    }
    if section.virtual_size == 0 && section.size_of_raw_data == 0 {
        issues.push(Issue::new(Reason::SectionZeroLength, details()));
    }
    if has(SCN_DISCARDABLE) && has(SCN_EXECUTE) {
        issues.push(Issue::new(Reason::SectionDiscardableCode, details()));
    }
    if !has(SCN_READ) {
        let sub = if has(SCN_CODE) {
            Some("code_without_read")
        } else if has(SCN_WRITE) {
            Some("write_without_read")
        } else if has(SCN_EXECUTE) {
            Some("exec_without_read")
        } else {
            None
        };
        if let Some(sub) = sub {
            issues.push(Issue::with_sub(
                Reason::SectionFlagsInconsistent,
                sub,
                details(),
            ));
        }
    }
}

/// Reports every pair of sections whose file ranges, or whose virtual
/// ranges, intersect; at most [`MAX_FINDINGS_PER_CHECK`] of each.
fn pair_overlaps(sections: &[Section], issues: &mut Vec<Issue>) {
    let raw_range =
        |s: &Section| (u64::from(s.pointer_to_raw_data), s.raw_end());
    let virtual_range =
        |s: &Section| (u64::from(s.virtual_address), virtual_end(s));
    type Range<'f> = &'f dyn Fn(&Section) -> (u64, u64);
    let checks: [(Reason, Range<'_>, &str); 2] = [
        (Reason::SectionRawOverlap, &raw_range, "raw"),
        (Reason::SectionOverlap, &virtual_range, "virtual"),
    ];
    for (reason, range, kind) in checks {
        let mut found = 0;
        for (i, a) in sections.iter().enumerate() {
            for b in sections.iter().skip(i.saturating_add(1)) {
                let (a_start, a_end) = range(a);
                let (b_start, b_end) = range(b);
                let empty = a_start == a_end || b_start == b_end;
                if empty || a_start >= b_end || b_start >= a_end {
                    continue;
                }
                if found == MAX_FINDINGS_PER_CHECK {
                    return;
                }
                found = found.saturating_add(1);
                issues.push(Issue::new(
                    reason,
                    Details::default()
                        .with("section_a", a.display_name())
                        .with("section_b", b.display_name())
                        .with("range_kind", kind)
                        .with("range_a", vec![a_start, a_end])
                        .with("range_b", vec![b_start, b_end]),
                ));
            }
        }
    }
}

/// Checks the optional header's sizes, alignments, image base and
/// directory count against each other and the section table.
pub(super) fn optional_header(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let Some(header) = cx.image.optional_header else {
        return;
    };
    let sections = &cx.sections;
    let image_end = sections.iter().map(virtual_end).max().unwrap_or(0);
    if image_end > u64::from(cx.size_of_image) {
        issues.push(Issue::new(
            Reason::OptionalHeaderInconsistentSize,
            Details::default()
                .with("max_section_end", image_end)
                .with("size_of_image", cx.size_of_image),
        ));
    }
    let file_alignment = cx.file_alignment;
    let section_alignment = cx.section_alignment;
    let headers = Details::default()
        .with("size_of_headers", cx.size_of_headers)
        .with("file_alignment", file_alignment);
    if cx.size_of_headers.checked_rem(file_alignment).is_some_and(|r| r != 0) {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidSizeOfHeaders,
            "not_aligned",
            headers.clone(),
        ));
    }
    let table_end = cx.image.section_table_end;
    if usize::try_from(cx.size_of_headers).is_ok_and(|s| s < table_end) {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidSizeOfHeaders,
            "too_small",
            headers.with("section_table_end", table_end),
        ));
    }
    let alignments = Details::default()
        .with("section_alignment", section_alignment)
        .with("file_alignment", file_alignment);
    if section_alignment < file_alignment {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidSectionAlignment,
            "smaller_than_file_alignment",
            alignments.clone(),
        ));
    }
    if !section_alignment.is_power_of_two() {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidSectionAlignment,
            "not_power_of_two",
            alignments.clone(),
        ));
    }
    let low_alignment = file_alignment == section_alignment;
    if !file_alignment.is_power_of_two() {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidFileAlignment,
            "not_power_of_two",
            alignments,
        ));
    } else if !(MIN_FILE_ALIGNMENT..=MAX_FILE_ALIGNMENT)
        .contains(&file_alignment)
        && !low_alignment
    {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidFileAlignment,
            "out_of_range",
            alignments,
        ));
    }
    size_fields(
        cx,
        header.size_of_code,
        header.size_of_initialized_data,
        issues,
    );
    if header.image_base.checked_rem(IMAGE_BASE_ALIGNMENT) != Some(0) {
        issues.push(Issue::new(
            Reason::OptionalHeaderImageBaseMisaligned,
            Details::default().with("image_base", header.image_base),
        ));
    }
    directory_count(cx, issues);
    if cx.size_of_image.checked_rem(section_alignment).is_some_and(|r| r != 0)
    {
        issues.push(Issue::new(
            Reason::OptionalHeaderSizeOfImageMisaligned,
            Details::default()
                .with("size_of_image", cx.size_of_image)
                .with("section_alignment", section_alignment),
        ));
    }
}

/// Checks SizeOfCode and SizeOfInitializedData against the raw sizes of
/// the sections flagged as code and as initialized data: a non-zero
/// header total below the sum of its sections cannot be right.
fn size_fields(
    cx: &Context<'_, '_>,
    size_of_code: u32,
    size_of_initialized_data: u32,
    issues: &mut Vec<Issue>,
) {
    // Discardable sections (debug information) are left out, as
    // linkers leave them out of these totals.
    let total = |flag: u32| {
        cx.sections
            .iter()
            .filter(|s| s.characteristics & flag != 0)
            .filter(|s| s.characteristics & SCN_DISCARDABLE == 0)
            .map(|s| u64::from(s.size_of_raw_data))
            .fold(0u64, u64::saturating_add)
    };
    let fields = [
        ("size_of_code", size_of_code, total(SCN_CODE)),
        (
            "size_of_initialized_data",
            size_of_initialized_data,
            total(SCN_INITIALIZED),
        ),
    ];
    for (name, declared, sections) in fields {
        // The loader ignores these fields and some linkers leave them 0,
        // so only a value that was filled in, and is too small, counts.
        if declared != 0 && u64::from(declared) < sections {
            issues.push(Issue::with_sub(
                Reason::OptionalHeaderSizeFieldsInconsistent,
                name,
                Details::default()
                    .with("declared", declared)
                    .with("section_total", sections),
            ));
        }
    }
}

/// Checks NumberOfRvaAndSizes: at most 16, the table it declares fits
/// in SizeOfOptionalHeader, and no entry past it inside the header is
/// in use.
fn directory_count(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let image = cx.image;
    let (Some(header), Some(file_header)) =
        (image.optional_header, image.file_header)
    else {
        return;
    };
    let count = header.number_of_rva_and_sizes;
    let details = || Details::default().with("number_of_rva_and_sizes", count);
    if usize::try_from(count).map_or(true, |c| c > MAX_DATA_DIRECTORIES) {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidNumberOfRvaAndSizes,
            "exceeds_maximum",
            details(),
        ));
        return;
    }
    let fixed = if header.is_pe32_plus() {
        OPTIONAL_FIXED_PE32_PLUS
    } else {
        OPTIONAL_FIXED_PE32
    };
    let declared_len = u64::from(file_header.size_of_optional_header);
    let table_len = u64::from(count).saturating_mul(8);
    if fixed.saturating_add(table_len) > declared_len {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidNumberOfRvaAndSizes,
            "exceeds_optional_header",
            details().with(
                "size_of_optional_header",
                file_header.size_of_optional_header,
            ),
        ));
        return;
    }
    // The loader ignores entries past the declared count. A non-zero
    // one inside the optional header means the count is wrong or the
    // table was edited.
    let slots = declared_len.saturating_sub(fixed) / 8;
    let table = image.optional_header_offset.saturating_add(fixed as usize);
    let data = image.data();
    let last_used = (0..slots.min(MAX_DATA_DIRECTORIES as u64))
        .filter(|&index| {
            let at = table.saturating_add((index as usize).saturating_mul(8));
            read_u32(data, at).is_some_and(|v| v != 0)
                || read_u32(data, at.saturating_add(4)).is_some_and(|v| v != 0)
        })
        .max();
    if let Some(last) = last_used.filter(|&last| last >= u64::from(count)) {
        issues.push(Issue::with_sub(
            Reason::OptionalHeaderInvalidNumberOfRvaAndSizes,
            "entries_beyond_count",
            details().with("last_non_zero_entry", last),
        ));
    }
}

/// Formats bytes as lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
