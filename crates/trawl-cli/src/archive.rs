//! Reports for an archive: one for the archive itself, holding its own
//! errors, then one for each member, named `outer.zip!dir/inner.exe`
//! (`a.zip!b.tar.gz!c.txt` when nested), in archive order.
//!
//! Each member is sniffed and scanned like a file; its offsets are
//! offsets inside the member. Member names are only printed, never
//! used as paths.

use trawl_formats::archive::{
    self, ArchiveError, Event, Format, Limit, MemberError, Options,
};
use trawl_formats::sniff;

use crate::report::{Metadata, Report, ReportError, Stage};
use crate::run::{self, Settings};

/// An archive input, after the input-size limit was applied.
pub struct Input<'a> {
    /// The path as given, or `None` for standard input.
    pub file: Option<String>,
    /// The archive's bytes.
    pub bytes: &'a [u8],
    /// Its format.
    pub format: Format,
    /// The errors met before the archive was read.
    pub errors: Vec<ReportError>,
}

/// Returns the reports of an archive and of its members.
pub fn scan(
    input: Input<'_>,
    options: &Options,
    settings: &Settings,
) -> Vec<Report> {
    let top = input.file.clone().unwrap_or_else(|| "-".to_string());
    let last = top.rsplit(['/', '\\']).next().unwrap_or(&top);
    let stream_name = archive::stream_member_name(last);
    let mut reports = Vec::new();
    // Positions in `reports` of the archives opened and not yet closed.
    let mut open = Vec::new();
    let name = |path: &[String]| {
        let mut name = top.clone();
        for part in path {
            name.push('!');
            name.push_str(part);
        }
        name
    };
    archive::walk(
        input.bytes,
        input.format,
        &stream_name,
        options,
        &mut |event| match event {
            Event::Open { path, .. } => {
                let file = if path.is_empty() {
                    input.file.clone()
                } else {
                    Some(name(path))
                };
                open.push(reports.len());
                reports.push(empty_report(file, "archive", settings));
            }
            Event::Member { path, bytes, error } => {
                let errors = error.iter().map(member_error).collect();
                let kind = sniff::sniff(bytes);
                let file = Some(name(path));
                reports
                    .push(run::scan_kind(file, bytes, kind, errors, settings));
            }
            Event::Failed { path, error } => {
                let mut report =
                    empty_report(Some(name(path)), "unknown", settings);
                report.errors.push(member_error(&error));
                reports.push(report);
            }
            Event::Skipped { path, reason } => {
                let mut report =
                    empty_report(Some(name(path)), "unknown", settings);
                report.errors.push(ReportError {
                    stage: Stage::Skip,
                    message: format!("{reason}; not scanned"),
                });
                reports.push(report);
            }
            Event::Close { error, .. } => {
                let at = open.pop();
                let report = at.and_then(|at| reports.get_mut(at));
                if let (Some(report), Some(error)) = (report, error) {
                    report.errors.push(archive_error(&error));
                }
            }
        },
    );
    if let Some(report) = reports.first_mut() {
        let mut errors = input.errors;
        errors.append(&mut report.errors);
        report.errors = errors;
    }
    reports
}

fn empty_report(
    file: Option<String>,
    kind: &'static str,
    settings: &Settings,
) -> Report {
    Report {
        file,
        kind,
        iocs: settings.empty_iocs(),
        metadata: Metadata::default(),
        analysis: None,
        detections: settings.detail.then(Vec::new),
        errors: Vec::new(),
        size: None,
    }
}

fn member_error(error: &MemberError) -> ReportError {
    let hint = match error {
        MemberError::Limit(limit) => limit_flag(*limit),
        MemberError::WrongPassword { .. } => {
            " (give the password with --password)"
        }
        MemberError::AesAttempts(_)
        | MemberError::Unsupported(_)
        | MemberError::Corrupt(_) => "",
    };
    ReportError { stage: Stage::Read, message: format!("{error}{hint}") }
}

fn archive_error(error: &ArchiveError) -> ReportError {
    let hint = match error {
        ArchiveError::Limit(limit) => limit_flag(*limit),
        ArchiveError::Corrupt(_) => "",
    };
    ReportError { stage: Stage::Read, message: format!("{error}{hint}") }
}

/// Returns the advice to raise the option that sets `limit`.
fn limit_flag(limit: Limit) -> &'static str {
    match limit {
        Limit::TotalBytes(_) => " (raise --max-extracted-size)",
        Limit::MemberBytes(_) => " (raise --max-member-size)",
        Limit::Ratio(_) => " (raise --max-ratio)",
        Limit::Entries(_) => " (raise --max-entries)",
        Limit::Depth(_) => " (raise --max-archive-depth)",
    }
}
