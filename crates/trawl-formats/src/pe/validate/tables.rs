//! Validators of the directories the parser decodes: load
//! configuration, TLS, relocations, debug, exports, delay imports, and
//! the entropy of the sections and overlay.

use super::{
    Context, Details, Issue, MAX_FINDINGS_PER_CHECK, SCN_EXECUTE, SCN_WRITE,
};
use crate::pe::analysis::{
    entropy as shannon_entropy, HIGH_ENTROPY, MIN_ENTROPY_SAMPLE,
};
use crate::pe::load_config::VaField;
use crate::pe::reason::Reason;
use crate::pe::{decode_lossy_dropping, dir};

/// Smallest load configuration that reaches the end of the
/// SecurityCookie field, in PE32 and PE32+.
const LOAD_CONFIG_MIN_PE32: u32 = 0x40;
const LOAD_CONFIG_MIN_PE32_PLUS: u32 = 0x60;

/// `IMAGE_DLLCHARACTERISTICS_GUARD_CF`.
const DLL_GUARD_CF: u16 = 0x4000;
/// `IMAGE_GUARD_CF_INSTRUMENTED` in GuardFlags.
const GUARD_CF_INSTRUMENTED: u32 = 0x100;

/// Relocation entries flagged per block, as iocx does.
const MAX_BAD_RELOCS_PER_BLOCK: usize = 8;

/// Sections at least this large whose entropy is at most
/// [`VERY_LOW_ENTROPY`] are reported as nearly constant.
const VERY_LOW_ENTROPY_SAMPLE: u32 = 16384;
const VERY_LOW_ENTROPY: f64 = 0.2;

/// Largest population standard deviation of the section entropies that
/// counts as uniform.
const UNIFORM_ENTROPY_STDDEV: f64 = 0.15;

/// The RVA a stored address field resolves to, and how.
enum Resolved {
    /// The field is a VA inside the image.
    Va(u32),
    /// The field is below the image base but is a valid RVA, as some
    /// hand-built files and old tools store it.
    Rva(u32),
    /// Neither reading lands inside SizeOfImage.
    Invalid,
}

fn resolve(cx: &Context<'_, '_>, field: VaField) -> Resolved {
    let size_of_image = cx.size_of_image;
    if let Some(rva) = cx.image.va_to_rva(field.va) {
        if rva < size_of_image {
            return Resolved::Va(rva);
        }
        return Resolved::Invalid;
    }
    match u32::try_from(field.va) {
        Ok(rva) if rva < size_of_image => Resolved::Rva(rva),
        _ => Resolved::Invalid,
    }
}

/// Checks the load configuration's size, Control Flow Guard fields, and
/// where its security cookie and SafeSEH table point.
pub(super) fn load_config(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directory = cx.image.directory(dir::LOAD_CONFIG);
    if directory.rva == 0 || directory.size == 0 {
        return;
    }
    let minimum = if cx.image.is_pe32_plus() {
        LOAD_CONFIG_MIN_PE32_PLUS
    } else {
        LOAD_CONFIG_MIN_PE32
    };
    let sizes = || {
        Details::default()
            .with("directory_size", directory.size)
            .with("minimum", minimum)
    };
    if directory.size < minimum {
        issues.push(Issue::new(Reason::LoadConfigTooSmall, sizes()));
    }
    let available = cx.image.mapped_tail(directory.rva).map_or(0, <[u8]>::len);
    let needed = directory.size.min(minimum);
    if available < crate::pe::image::to_usize(needed) {
        issues.push(Issue::new(
            Reason::LoadConfigTruncated,
            sizes().with("available", available),
        ));
    }
    let Some(config) = &cx.pe.load_config else {
        return;
    };
    guard_cf(cx, config, issues);
    if let Some(cookie) = config.security_cookie.filter(|c| c.va != 0) {
        check_cookie(cx, cookie, issues);
    }
    let count = config.se_handler_count.unwrap_or(0);
    let table = config.se_handler_table.filter(|t| t.va != 0);
    if count > 0 && table.is_none() {
        issues.push(Issue::with_sub(
            Reason::LoadConfigSehInvalid,
            "missing_table_rva",
            Details::default()
                .with("se_handler_table", 0u64)
                .with("se_handler_count", count),
        ));
    }
    // Only the x86 loader reads the SafeSEH table; x64 and the other
    // PE32+ machines unwind through `.pdata`, so the fields are unused.
    if let Some(table) = table.filter(|_| !cx.image.is_pe32_plus()) {
        check_seh_table(cx, table, count, issues);
    }
}

/// Checks the Control Flow Guard fields against the GUARD_CF flag: an
/// image that claims the flag needs instrumentation and a check function.
fn guard_cf(
    cx: &Context<'_, '_>,
    config: &crate::pe::load_config::LoadConfig,
    issues: &mut Vec<Issue>,
) {
    let claims = cx
        .image
        .optional_header
        .is_some_and(|h| h.dll_characteristics & DLL_GUARD_CF != 0);
    let flags = config.guard_flags.unwrap_or(0);
    let check = config.guard_cf_check_function_pointer.map_or(0, |f| f.va);
    let table = config.guard_cf_function_table.map_or(0, |f| f.va);
    let count = config.guard_cf_function_count.unwrap_or(0);
    let sub = if claims && flags & GUARD_CF_INSTRUMENTED == 0 {
        Some("flag_without_instrumentation")
    } else if claims && check == 0 {
        Some("flag_without_check_function")
    } else if count > 0 && table == 0 {
        Some("function_count_without_table")
    } else {
        None
    };
    if let Some(sub) = sub {
        issues.push(Issue::with_sub(
            Reason::LoadConfigGuardCfInconsistent,
            sub,
            Details::default()
                .with("guard_flags", flags)
                .with("check_function_pointer", check)
                .with("function_table", table)
                .with("function_count", count),
        ));
    }
}

fn check_cookie(
    cx: &Context<'_, '_>,
    cookie: VaField,
    issues: &mut Vec<Issue>,
) {
    let details = || Details::default().with("security_cookie", cookie.va);
    let rva = match resolve(cx, cookie) {
        Resolved::Va(rva) => rva,
        Resolved::Rva(rva) => {
            issues.push(Issue::with_sub(
                Reason::LoadConfigCookieInvalid,
                "rva_not_va",
                details(),
            ));
            rva
        }
        Resolved::Invalid => {
            issues.push(Issue::with_sub(
                Reason::LoadConfigCookieInvalid,
                "unmapped",
                details(),
            ));
            return;
        }
    };
    let Some(section) = cx.section_of(rva) else {
        issues.push(Issue::with_sub(
            Reason::LoadConfigCookieInvalid,
            "unmapped",
            details().with("rva", rva),
        ));
        return;
    };
    if section.characteristics & SCN_WRITE == 0 {
        issues.push(Issue::with_sub(
            Reason::LoadConfigCookieInvalid,
            "non_writable_section",
            details().with("rva", rva).with("section", section.display_name()),
        ));
    }
    if cx.naive_offset_in_overlay(rva) {
        issues.push(Issue::new(
            Reason::LoadConfigCookieInOverlay,
            details().with("rva", rva),
        ));
    }
}

fn check_seh_table(
    cx: &Context<'_, '_>,
    table: VaField,
    count: u64,
    issues: &mut Vec<Issue>,
) {
    let details = || {
        Details::default()
            .with("se_handler_table", table.va)
            .with("se_handler_count", count)
    };
    let rva = match resolve(cx, table) {
        Resolved::Va(rva) | Resolved::Rva(rva) => rva,
        Resolved::Invalid => {
            issues.push(Issue::with_sub(
                Reason::LoadConfigSehInvalid,
                "unmapped",
                details(),
            ));
            return;
        }
    };
    let end = u64::from(rva).saturating_add(count.saturating_mul(4));
    if end > u64::from(cx.size_of_image) {
        issues.push(Issue::with_sub(
            Reason::LoadConfigSehInvalid,
            "out_of_range",
            details().with("size_of_image", cx.size_of_image),
        ));
    } else if cx.section_of(rva).is_none() {
        issues.push(Issue::with_sub(
            Reason::LoadConfigSehInvalid,
            "unmapped",
            details(),
        ));
    } else if cx.naive_offset_in_overlay(rva) {
        issues.push(Issue::with_sub(
            Reason::LoadConfigSehInvalid,
            "in_overlay",
            details(),
        ));
    }
}

/// Checks the TLS template range, where the callback array lies, and
/// that every callback points into an executable section.
pub(super) fn tls(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let Some(tls) = &cx.pe.tls else {
        return;
    };
    let start = tls.start_address_of_raw_data;
    let end = tls.end_address_of_raw_data;
    let array = tls.address_of_callbacks;
    let range = || {
        Details::default()
            .with("start_address", start)
            .with("end_address", end)
            .with("callbacks", array)
    };
    if start > end {
        issues.push(Issue::new(Reason::TlsInvalidRange, range()));
    } else if start == end && array == 0 {
        issues.push(Issue::new(Reason::TlsZeroLengthDirectory, range()));
    }
    if array != 0 {
        match cx.image.va_to_rva(array) {
            Some(rva) if rva < cx.size_of_headers => {
                issues.push(Issue::new(Reason::TlsCallbackInHeaders, range()));
            }
            Some(rva) if cx.section_of(rva).is_some() => {
                if cx.naive_offset_in_overlay(rva) {
                    issues.push(Issue::new(
                        Reason::TlsCallbackInOverlay,
                        range(),
                    ));
                }
            }
            _ => issues.push(Issue::new(
                Reason::TlsCallbackNotMappedToSection,
                range(),
            )),
        }
    }
    let mut found = 0;
    for &callback in &tls.callbacks {
        if found == MAX_FINDINGS_PER_CHECK {
            break;
        }
        let details = || Details::default().with("callback", callback);
        let section =
            cx.image.va_to_rva(callback).and_then(|r| cx.section_of(r));
        match section {
            None => {
                found = found.saturating_add(1);
                issues.push(Issue::new(
                    Reason::TlsCallbackRvaInvalid,
                    details(),
                ));
            }
            Some(section) if section.characteristics & SCN_EXECUTE == 0 => {
                found = found.saturating_add(1);
                issues.push(Issue::new(
                    Reason::TlsCallbackInNonExecutableSection,
                    details().with("section", section.display_name()),
                ));
            }
            Some(_) => {}
        }
    }
}

/// Checks relocation block sizes and that each relocation patches an
/// address inside a section.
pub(super) fn relocations(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let Some(relocations) = &cx.pe.relocations else {
        return;
    };
    let data = cx.image.data();
    let mut found = 0;
    for block in &relocations.blocks {
        if found >= MAX_FINDINGS_PER_CHECK {
            break;
        }
        if block.size_of_block % 4 != 0 {
            found = found.saturating_add(1);
            issues.push(Issue::with_sub(
                Reason::RelocationBlockMalformed,
                "size_of_block_not_dword_aligned",
                Details::default()
                    .with("page_rva", block.page_rva)
                    .with("size_of_block", block.size_of_block),
            ));
        }
        let invalid = block
            .entries(data)
            .filter(|&(kind, rva)| kind != 0 && cx.section_of(rva).is_none())
            .take(MAX_BAD_RELOCS_PER_BLOCK);
        for (kind, rva) in invalid {
            found = found.saturating_add(1);
            issues.push(Issue::new(
                Reason::RelocationEntryRvaInvalid,
                Details::default()
                    .with("page_rva", block.page_rva)
                    .with("type", u64::from(kind))
                    .with("rva", rva),
            ));
        }
    }
}

/// Checks that the mapped data of each debug entry lies in one section.
pub(super) fn debug(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    for entry in cx.pe.debug.iter().take(MAX_FINDINGS_PER_CHECK) {
        let rva = entry.address_of_raw_data;
        if rva == 0 || entry.size_of_data == 0 {
            continue;
        }
        let end = u64::from(rva).saturating_add(u64::from(entry.size_of_data));
        let inside = cx.section_of(rva).is_some_and(|s| {
            let mapped_end = u64::from(s.virtual_address)
                .saturating_add(u64::from(s.mapped_size()));
            end <= mapped_end
        });
        if !inside {
            issues.push(Issue::new(
                Reason::DebugEntryRvaInvalid,
                Details::default()
                    .with("type", entry.kind)
                    .with("address_of_raw_data", rva)
                    .with("size_of_data", entry.size_of_data),
            ));
        }
    }
}

/// Checks the export directory header, its placement, the function
/// RVAs, the order of the name table and the forwarder strings.
pub(super) fn exports(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directory = cx.image.directory(dir::EXPORT);
    if directory.rva != 0 && directory.size != 0 {
        let end =
            u64::from(directory.rva).saturating_add(u64::from(directory.size));
        if end > u64::from(cx.size_of_image) {
            issues.push(Issue::new(
                Reason::ExportDirectoryOutOfBounds,
                Details::default()
                    .with("rva", directory.rva)
                    .with("size", directory.size)
                    .with("size_of_image", cx.size_of_image),
            ));
        }
    }
    let Some(exports) = &cx.pe.exports else {
        return;
    };
    let header = || {
        Details::default()
            .with("number_of_functions", exports.number_of_functions)
            .with("number_of_names", exports.number_of_names)
    };
    let header_checks = [
        (
            exports.number_of_names > exports.number_of_functions,
            "num_names_exceeds_num_functions",
        ),
        (
            exports.number_of_functions > 0
                && exports.address_of_functions == 0,
            "eat_rva_zero_with_nonzero_count",
        ),
        (
            exports.number_of_names > 0 && exports.address_of_names == 0,
            "enpt_rva_zero_with_nonzero_count",
        ),
        (
            exports.number_of_names > 0
                && exports.address_of_name_ordinals == 0,
            "eot_rva_zero_with_nonzero_count",
        ),
    ];
    for (fires, sub) in header_checks {
        if fires {
            issues.push(Issue::with_sub(
                Reason::ExportDirectoryInvalidHeader,
                sub,
                header(),
            ));
        }
    }
    let mut bad_functions = 0;
    let mut bad_forwarders = 0;
    for symbol in &exports.symbols {
        let name = || {
            symbol
                .name
                .as_deref()
                .map(decode_lossy_dropping)
                .unwrap_or_else(|| format!("#{}", symbol.ordinal))
        };
        match &symbol.forwarder {
            Some(forwarder)
                if !is_forwarder(forwarder)
                    && bad_forwarders < MAX_FINDINGS_PER_CHECK =>
            {
                bad_forwarders = bad_forwarders.saturating_add(1);
                issues.push(Issue::with_sub(
                    Reason::ExportForwarderMalformed,
                    "format",
                    Details::default()
                        .with("export", name())
                        .with("forwarder", decode_lossy_dropping(forwarder)),
                ));
            }
            None if symbol.address >= cx.size_of_image
                && bad_functions < MAX_FINDINGS_PER_CHECK =>
            {
                bad_functions = bad_functions.saturating_add(1);
                issues.push(Issue::new(
                    Reason::ExportFunctionRvaInvalid,
                    Details::default()
                        .with("export", name())
                        .with("address", symbol.address)
                        .with("size_of_image", cx.size_of_image),
                ));
            }
            _ => {}
        }
    }
    // Named exports come first, in name pointer table order; the loader
    // binary-searches that table, so it must be sorted.
    let names = exports.symbols.iter().map_while(|s| s.name.as_deref());
    let mut previous: Option<&[u8]> = None;
    for (index, name) in names.enumerate() {
        if previous.is_some_and(|p| p > name) {
            issues.push(Issue::new(
                Reason::ExportNamePointerTableUnsorted,
                Details::default()
                    .with("name_count", exports.number_of_names)
                    .with("first_violation_index", index),
            ));
            break;
        }
        previous = Some(name);
    }
}

/// Whether a forwarder string has the `DLL.Symbol` or `DLL.#ordinal`
/// shape: a non-empty DLL name, a dot, and a non-empty target.
fn is_forwarder(forwarder: &[u8]) -> bool {
    let Some(dot) = forwarder.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let (dll, target) = forwarder.split_at(dot);
    !dll.is_empty()
        && target.len() > 1
        && forwarder.iter().all(|&b| (0x21..=0x7E).contains(&b))
}

/// Checks the delay-load directory's placement and each descriptor's
/// addressing mode.
pub(super) fn delay_imports(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directory = cx.image.directory(dir::DELAY_IMPORT);
    if directory.rva != 0 && directory.size != 0 {
        let end =
            u64::from(directory.rva).saturating_add(u64::from(directory.size));
        if end > u64::from(cx.size_of_image) {
            issues.push(Issue::new(
                Reason::DelayImportDirectoryOutOfBounds,
                Details::default()
                    .with("rva", directory.rva)
                    .with("size", directory.size)
                    .with("size_of_image", cx.size_of_image),
            ));
        }
    }
    for descriptor in cx.pe.delay_imports.iter().take(MAX_FINDINGS_PER_CHECK) {
        // Bit 0 of Attributes marks RVA-based descriptors; without it the
        // fields are VAs, the Visual C++ 6 format.
        if descriptor.attributes & 1 == 0 {
            issues.push(Issue::new(
                Reason::DelayImportAttributesLegacyVaMode,
                Details::default()
                    .with("dll", decode_lossy_dropping(&descriptor.dll))
                    .with("attributes", descriptor.attributes),
            ));
        }
    }
}

/// Reports high-entropy and nearly constant sections, a high-entropy
/// overlay, and sections whose entropies are uniformly high.
pub(super) fn entropy(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let mut sampled = Vec::new();
    for (section, &value) in cx.sections.iter().zip(cx.entropies) {
        let raw_size = section.size_of_raw_data;
        if raw_size < MIN_ENTROPY_SAMPLE {
            continue;
        }
        sampled.push(value);
        let details = || {
            Details::default()
                .with("section", section.display_name())
                .with("entropy", value)
                .with("raw_size", raw_size)
        };
        if value >= HIGH_ENTROPY {
            issues.push(Issue::new(
                Reason::EntropyHighSection,
                details().with("threshold", HIGH_ENTROPY),
            ));
        } else if raw_size >= VERY_LOW_ENTROPY_SAMPLE
            && value <= VERY_LOW_ENTROPY
        {
            issues.push(Issue::new(
                Reason::EntropyVeryLowSection,
                details().with("threshold", VERY_LOW_ENTROPY),
            ));
        }
    }
    if let Some(overlay) = cx.image.overlay {
        let bytes = cx.image.data().get(overlay.offset..).unwrap_or_default();
        if bytes.len() >= crate::pe::image::to_usize(MIN_ENTROPY_SAMPLE) {
            let value =
                cx.overlay_entropy.unwrap_or_else(|| shannon_entropy(bytes));
            if value >= HIGH_ENTROPY {
                issues.push(Issue::new(
                    Reason::EntropyHighOverlay,
                    Details::default()
                        .with("offset", overlay.offset)
                        .with("size", overlay.size)
                        .with("entropy", value)
                        .with("threshold", HIGH_ENTROPY),
                ));
            }
        }
    }
    if sampled.len() >= 2 {
        let count = sampled.len() as f64;
        let mean = sampled.iter().sum::<f64>() / count;
        let variance =
            sampled.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>()
                / count;
        let deviation = variance.sqrt();
        if mean >= HIGH_ENTROPY && deviation <= UNIFORM_ENTROPY_STDDEV {
            issues.push(Issue::new(
                Reason::EntropyUniformAcrossSections,
                Details::default()
                    .with("sections", sampled.len())
                    .with("mean", mean)
                    .with("stddev", deviation),
            ));
        }
    }
}
