//! The reason codes of the PE analysis: one variant per condition a
//! structural validator or a heuristic can report.
//!
//! The snake_case strings are iocx 0.7.6's where iocx has the code, so a
//! consumer that matches on iocx's codes keeps working.
//! `docs/reason-codes.md` lists the condition behind each one.

macro_rules! reasons {
    ($($variant:ident => $code:literal,)*) => {
        /// A reason code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Reason {
            $(
                #[doc = concat!("`", $code, "`.")]
                $variant,
            )*
        }

        impl Reason {
            /// Every reason code, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// Returns the snake_case code written to reports.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }
        }
    };
}

reasons! {
    // Entry point.
    EntrypointZeroOrNegative => "entrypoint_zero_or_negative",
    EntrypointInHeaders => "entrypoint_in_headers",
    EntrypointOutOfBounds => "entrypoint_out_of_bounds",
    EntrypointSectionNotExecutable => "entrypoint_section_not_executable",
    EntrypointInNonCodeSection => "entrypoint_in_non_code_section",
    EntrypointInDiscardableSection => "entrypoint_in_discardable_section",
    EntrypointInTruncatedRegion => "entrypoint_in_truncated_region",
    EntrypointInOverlay => "entrypoint_in_overlay",
    // Sections.
    SectionRwx => "section_rwx",
    SectionNonExecutableCodeLike => "section_non_executable_code_like",
    SectionCodelikeNameNotExecutable =>
        "section_codelike_name_not_executable",
    SectionNameNonAscii => "section_name_non_ascii",
    SectionNameEmptyOrPadding => "section_name_empty_or_padding",
    SectionImpossibleFlags => "section_impossible_flags",
    SectionRawMisaligned => "section_raw_misaligned",
    SectionRawOverlap => "section_raw_overlap",
    SectionOverlap => "section_overlap",
    SectionOverlapsHeaders => "section_overlaps_headers",
    SectionOutOfOrderRaw => "section_out_of_order_raw",
    SectionOutOfOrderVirtual => "section_out_of_order_virtual",
    SectionZeroLength => "section_zero_length",
    SectionDiscardableCode => "section_discardable_code",
    SectionFlagsInconsistent => "section_flags_inconsistent",
    // Optional header.
    OptionalHeaderInconsistentSize => "optional_header_inconsistent_size",
    OptionalHeaderInvalidSizeOfHeaders =>
        "optional_header_invalid_size_of_headers",
    OptionalHeaderInvalidSectionAlignment =>
        "optional_header_invalid_section_alignment",
    OptionalHeaderInvalidFileAlignment =>
        "optional_header_invalid_file_alignment",
    OptionalHeaderSizeFieldsInconsistent =>
        "optional_header_size_fields_inconsistent",
    OptionalHeaderImageBaseMisaligned =>
        "optional_header_image_base_misaligned",
    OptionalHeaderInvalidNumberOfRvaAndSizes =>
        "optional_header_invalid_number_of_rva_and_sizes",
    OptionalHeaderSizeOfImageMisaligned =>
        "optional_header_size_of_image_misaligned",
    // Data directories.
    DataDirectoryZeroRvaNonzeroSize => "data_directory_zero_rva_nonzero_size",
    DataDirectoryZeroSizeNonzeroRva => "data_directory_zero_size_nonzero_rva",
    DataDirectoryInHeaders => "data_directory_in_headers",
    DataDirectoryOutOfRange => "data_directory_out_of_range",
    DataDirectoryRawMismatch => "data_directory_raw_mismatch",
    DataDirectoryInOverlay => "data_directory_in_overlay",
    DataDirectoryNotMappedToSection => "data_directory_not_mapped_to_section",
    DataDirectorySpansMultipleSections =>
        "data_directory_spans_multiple_sections",
    DataDirectoryOverlap => "data_directory_overlap",
    ImportRvaInvalid => "import_rva_invalid",
    // Load configuration.
    LoadConfigTooSmall => "load_config_too_small",
    LoadConfigTruncated => "load_config_truncated",
    LoadConfigGuardCfInconsistent => "load_config_guard_cf_inconsistent",
    LoadConfigCookieInvalid => "load_config_cookie_invalid",
    LoadConfigCookieInOverlay => "load_config_cookie_in_overlay",
    LoadConfigSehInvalid => "load_config_seh_invalid",
    // TLS.
    TlsCallbackRvaInvalid => "tls_callback_rva_invalid",
    TlsZeroLengthDirectory => "tls_zero_length_directory",
    TlsInvalidRange => "tls_invalid_range",
    TlsCallbackNotMappedToSection => "tls_callback_not_mapped_to_section",
    TlsCallbackInNonExecutableSection =>
        "tls_callback_in_non_executable_section",
    TlsCallbackInHeaders => "tls_callback_in_headers",
    TlsCallbackInOverlay => "tls_callback_in_overlay",
    // Certificates.
    SignatureMultipleCertificates => "signature_multiple_certificates",
    SignatureInvalidLength => "signature_invalid_length",
    SignatureInvalidRevision => "signature_invalid_revision",
    SignatureInvalidType => "signature_invalid_type",
    SignatureOutOfFileBounds => "signature_out_of_file_bounds",
    SignatureOverlapsOtherData => "signature_overlaps_other_data",
    CertificateTableMalformed => "certificate_table_malformed",
    CertificateOffsetInsideImage => "certificate_offset_inside_image",
    // Relocations.
    RelocationBlockMalformed => "relocation_block_malformed",
    RelocationEntryRvaInvalid => "relocation_entry_rva_invalid",
    // Debug directory.
    DebugEntryRvaInvalid => "debug_entry_rva_invalid",
    // Resources.
    ResourceDirectoryZeroLength => "resource_directory_zero_length",
    ResourceEntryOutOfBounds => "resource_entry_out_of_bounds",
    ResourceDirectoryLanguageNotId => "resource_directory_language_not_id",
    ResourceDataOutOfBounds => "resource_data_out_of_bounds",
    ResourceDataOverlapsOtherData => "resource_data_overlaps_other_data",
    ResourceStringTableCorrupt => "resource_string_table_corrupt",
    // Exports.
    ExportDirectoryInvalidHeader => "export_directory_invalid_header",
    ExportDirectoryOutOfBounds => "export_directory_out_of_bounds",
    ExportFunctionRvaInvalid => "export_function_rva_invalid",
    ExportNamePointerTableUnsorted => "export_name_pointer_table_unsorted",
    ExportForwarderMalformed => "export_forwarder_malformed",
    // Delay-load imports.
    DelayImportDirectoryOutOfBounds => "delay_import_directory_out_of_bounds",
    DelayImportAttributesLegacyVaMode =>
        "delay_import_attributes_legacy_va_mode",
    // Entropy.
    EntropyHighSection => "entropy_high_section",
    EntropyVeryLowSection => "entropy_very_low_section",
    EntropyHighOverlay => "entropy_high_overlay",
    EntropyUniformAcrossSections => "entropy_uniform_across_sections",
    // Heuristics.
    PackerSectionName => "packer_section_name",
    HighEntropySection => "high_entropy_section",
    AntiDebugApiImport => "anti_debug_api_import",
    TimingApiImport => "timing_api_import",
    RwxSection => "rwx_section",
    LargeImportTable => "large_import_table",
    HighOrdinalImportRatio => "high_ordinal_import_ratio",
    UncommonDllForGuiSubsystem => "uncommon_dll_for_gui_subsystem",
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for reason in Reason::ALL {
            let code = reason.as_str();
            assert!(seen.insert(code), "{code} listed twice");
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'),
                "{code} is not snake_case"
            );
        }
    }

    #[test]
    fn as_str_gives_iocx_code() {
        assert_eq!(Reason::SectionRwx.as_str(), "section_rwx");
        assert_eq!(
            Reason::LoadConfigCookieInvalid.as_str(),
            "load_config_cookie_invalid"
        );
    }
}
