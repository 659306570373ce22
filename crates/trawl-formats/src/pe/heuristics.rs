//! The `analysis.heuristics` list: packer, anti-debugging and import
//! findings, then every structural validator finding, then every parser
//! anomaly, each with its reason code.

use super::analysis::{Finding, HIGH_ENTROPY, MIN_ENTROPY_SAMPLE};
use super::metadata::PeMetadata;
use super::reason::Reason;
use super::validate::{
    is_benign_anomaly, Detail, Details, Issue, DIRECTORY_NAMES, SCN_EXECUTE,
    SCN_WRITE,
};
use super::{dir, Pe};

/// APIs whose import suggests the program looks for a debugger.
const ANTI_DEBUG_APIS: [&str; 12] = [
    "IsDebuggerPresent",
    "CheckRemoteDebuggerPresent",
    "OutputDebugStringA",
    "OutputDebugStringW",
    "DebugBreak",
    "DebugActiveProcess",
    "DebugActiveProcessStop",
    "NtQueryInformationProcess",
    "NtSetInformationThread",
    "NtQuerySystemInformation",
    "ZwQueryInformationProcess",
    "ZwSetInformationThread",
];

/// Timers that anti-debugging code compares to spot single-stepping.
const TIMING_APIS: [&str; 4] = [
    "GetTickCount",
    "GetTickCount64",
    "QueryPerformanceCounter",
    "timeGetTime",
];

/// Kernel-mode modules a user-mode GUI program has no reason to import.
const KERNEL_DLLS: [&str; 3] = ["ntoskrnl.exe", "win32k.sys", "hal.dll"];

/// `IMAGE_SUBSYSTEM_WINDOWS_GUI`.
const SUBSYSTEM_WINDOWS_GUI: u16 = 2;

/// More imported symbols than this is reported as a large import table.
const LARGE_IMPORT_COUNT: usize = 500;

/// Share of ordinal-only imports from which the ratio is reported.
const HIGH_ORDINAL_RATIO: f64 = 0.5;

/// Builds the heuristics list of `pe` from its metadata, its section
/// entropies and the validator findings `issues`.
pub fn heuristics(
    pe: &Pe<'_>,
    metadata: &PeMetadata,
    entropies: &[f64],
    issues: &[Issue],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    packer(pe, entropies, &mut findings);
    anti_debug(pe, metadata, &mut findings);
    import_anomalies(pe, metadata, &mut findings);
    for issue in issues {
        findings.push(Finding::heuristic(
            "pe_structure_anomaly",
            issue.reason.as_str(),
            issue.sub_reason,
            issue.details.clone(),
        ));
    }
    for anomaly in &pe.anomalies {
        if reported_directory(anomaly.code, issues)
            || is_benign_anomaly(anomaly)
        {
            continue;
        }
        findings.push(Finding::heuristic(
            "pe_parser_anomaly",
            anomaly.code,
            None,
            Details::default().with("detail", anomaly.detail.clone()),
        ));
    }
    findings
}

fn packer(pe: &Pe<'_>, entropies: &[f64], findings: &mut Vec<Finding>) {
    for (section, &entropy) in pe.image.sections.iter().zip(entropies) {
        let name = section.display_name();
        let lower = name.to_lowercase();
        let named = lower.contains("upx")
            || ["aspack", "mpress", "petite", "themida"]
                .iter()
                .any(|packer| lower.contains(packer));
        if named {
            findings.push(Finding::heuristic(
                "packer_suspected",
                Reason::PackerSectionName.as_str(),
                None,
                Details::default().with("section", name.clone()),
            ));
        }
        let raw_size = section.size_of_raw_data;
        if entropy >= HIGH_ENTROPY && raw_size >= MIN_ENTROPY_SAMPLE {
            findings.push(Finding::heuristic(
                "packer_suspected",
                Reason::HighEntropySection.as_str(),
                None,
                Details::default()
                    .with("section", name)
                    .with("entropy", entropy)
                    .with("raw_size", raw_size),
            ));
        }
    }
}

fn anti_debug(
    pe: &Pe<'_>,
    metadata: &PeMetadata,
    findings: &mut Vec<Finding>,
) {
    for detail in &metadata.import_details {
        let Some(function) = detail.function.as_deref() else {
            continue;
        };
        let reason = if ANTI_DEBUG_APIS.contains(&function) {
            Reason::AntiDebugApiImport
        } else if TIMING_APIS.contains(&function) {
            Reason::TimingApiImport
        } else {
            continue;
        };
        findings.push(Finding::heuristic(
            "anti_debug_heuristic",
            reason.as_str(),
            None,
            Details::default()
                .with("dll", detail.dll.to_lowercase())
                .with("function", function),
        ));
    }
    let rwx = SCN_EXECUTE | SCN_WRITE;
    for section in &pe.image.sections {
        if section.characteristics & rwx == rwx {
            findings.push(Finding::heuristic(
                "anti_debug_heuristic",
                Reason::RwxSection.as_str(),
                None,
                Details::default()
                    .with("section", section.display_name())
                    .with("characteristics", section.characteristics),
            ));
        }
    }
}

fn import_anomalies(
    pe: &Pe<'_>,
    metadata: &PeMetadata,
    findings: &mut Vec<Finding>,
) {
    let imports = &metadata.import_details;
    let total = imports.len();
    if total > LARGE_IMPORT_COUNT {
        findings.push(Finding::heuristic(
            "import_anomaly",
            Reason::LargeImportTable.as_str(),
            None,
            Details::default().with("count", total),
        ));
    }
    // Ordinals whose name is known (ws2_32 and the like) count as named,
    // as the metadata lists them with their function name.
    let ordinal_only = imports.iter().filter(|d| d.function.is_none()).count();
    if total > 0 {
        let ratio = ordinal_only as f64 / total as f64;
        if ratio >= HIGH_ORDINAL_RATIO {
            findings.push(Finding::heuristic(
                "import_anomaly",
                Reason::HighOrdinalImportRatio.as_str(),
                None,
                Details::default()
                    .with("ordinal_ratio", ratio)
                    .with("total_imports", total),
            ));
        }
    }
    let gui = pe
        .image
        .optional_header
        .is_some_and(|h| h.subsystem == SUBSYSTEM_WINDOWS_GUI);
    if gui {
        for dll in &metadata.imports {
            let lower = dll.to_lowercase();
            if KERNEL_DLLS.contains(&lower.as_str()) {
                findings.push(Finding::heuristic(
                    "import_anomaly",
                    Reason::UncommonDllForGuiSubsystem.as_str(),
                    None,
                    Details::default().with("dll", dll.as_str()),
                ));
            }
        }
    }
}

/// Prefixes of parser anomaly codes and the data directory each one
/// concerns.
const ANOMALY_DIRECTORIES: [(&str, usize); 12] = [
    ("import_", dir::IMPORT),
    ("export", dir::EXPORT),
    ("load_config_", dir::LOAD_CONFIG),
    ("relocation", dir::BASERELOC),
    ("debug_", dir::DEBUG),
    ("codeview_", dir::DEBUG),
    ("delay_import", dir::DELAY_IMPORT),
    ("bound_import", dir::BOUND_IMPORT),
    ("tls_", dir::TLS),
    ("resource_", dir::RESOURCE),
    ("certificate_offset_past_eof", dir::SECURITY),
    ("certificate_table_truncated", dir::SECURITY),
];

/// Whether the parser anomaly `code` concerns a directory whose table
/// entry a validator already reported as misplaced: whatever the parser
/// failed to read there follows from that one defect.
fn reported_directory(code: &str, issues: &[Issue]) -> bool {
    let Some(&(_, index)) = ANOMALY_DIRECTORIES
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
    else {
        return false;
    };
    let name = DIRECTORY_NAMES.get(index).copied().unwrap_or_default();
    issues.iter().any(|issue| {
        let named = matches!(
            issue.details.get("directory"),
            Some(Detail::Text(directory)) if directory == name
        );
        let import =
            index == dir::IMPORT && issue.reason == Reason::ImportRvaInvalid;
        // The certificate table is skipped by the directory checks, and
        // a table past the end of the file is this validator's finding.
        let certificate = index == dir::SECURITY
            && issue.reason == Reason::SignatureOutOfFileBounds;
        named || import || certificate
    })
}
