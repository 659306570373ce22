//! The load configuration directory.
//!
//! Several of its fields are virtual addresses (the security cookie, the
//! SEH handler table, the Control Flow Guard pointers). Each is kept as
//! stored together with its RVA, the VA minus the image base, so that a
//! later check cannot mistake one for the other.

use super::image::{to_usize, Image};
use super::{dir, read_u16, read_u32, read_u64, Anomaly};

/// Bytes of the structure that are decoded: up to `GuardFlags`.
const DECODED_LEN_32: usize = 92;
const DECODED_LEN_64: usize = 148;

/// A field that contains a virtual address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VaField {
    /// The value as stored, a VA (0 when unused).
    pub va: u64,
    /// `va` minus the image base, when the VA is non-zero and lies in
    /// the 4 GiB above the base.
    pub rva: Option<u32>,
}

/// The load configuration fields trawl reads. A field is `None` when the
/// declared size or the end of the file stops before it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadConfig {
    /// The structure's own `Size` field.
    pub size: u32,
    /// Bytes of the structure present in the file, at most `size`.
    pub parsed_size: usize,
    /// Time stamp.
    pub time_date_stamp: Option<u32>,
    /// `GlobalFlagsClear`.
    pub global_flags_clear: Option<u32>,
    /// `GlobalFlagsSet`.
    pub global_flags_set: Option<u32>,
    /// `ProcessHeapFlags`.
    pub process_heap_flags: Option<u32>,
    /// `DependentLoadFlags`.
    pub dependent_load_flags: Option<u16>,
    /// `SecurityCookie`, the VA of the /GS cookie.
    pub security_cookie: Option<VaField>,
    /// `SEHandlerTable`, the VA of the safe SEH handler table (PE32).
    pub se_handler_table: Option<VaField>,
    /// `SEHandlerCount`.
    pub se_handler_count: Option<u64>,
    /// `GuardCFCheckFunctionPointer`.
    pub guard_cf_check_function_pointer: Option<VaField>,
    /// `GuardCFDispatchFunctionPointer`.
    pub guard_cf_dispatch_function_pointer: Option<VaField>,
    /// `GuardCFFunctionTable`.
    pub guard_cf_function_table: Option<VaField>,
    /// `GuardCFFunctionCount`.
    pub guard_cf_function_count: Option<u64>,
    /// `GuardFlags`.
    pub guard_flags: Option<u32>,
}

/// Reads the load configuration directory, `None` when the image has
/// none or it is not in the file.
pub fn parse_load_config(
    image: &Image<'_>,
    anomalies: &mut Vec<Anomaly>,
) -> Option<LoadConfig> {
    let directory = image.directory(dir::LOAD_CONFIG);
    if directory.rva == 0 {
        return None;
    }
    let Some(tail) = image.mapped_tail(directory.rva) else {
        anomalies.push(Anomaly::new(
            "load_config_unmapped",
            format!(
                "load configuration at RVA {:#x} is not in the file",
                directory.rva
            ),
        ));
        return None;
    };
    let size = read_u32(tail, 0)?;
    let parsed_size = to_usize(size).min(tail.len());
    if parsed_size < to_usize(size) {
        anomalies.push(Anomaly::new(
            "load_config_truncated",
            format!(
                "load configuration declares {size} bytes; {parsed_size} \
                 are in its section"
            ),
        ));
    }
    let plus = image.is_pe32_plus();
    let decoded = if plus { DECODED_LEN_64 } else { DECODED_LEN_32 };
    let raw = tail.get(..parsed_size.min(decoded)).unwrap_or_default();
    let fields = Fields { raw, plus, image };
    Some(if plus {
        fields.decode_64(size, parsed_size)
    } else {
        fields.decode_32(size, parsed_size)
    })
}

/// Reads fields from the bytes of the structure that are present.
struct Fields<'r, 'i> {
    raw: &'r [u8],
    plus: bool,
    image: &'r Image<'i>,
}

impl Fields<'_, '_> {
    fn u16(&self, at: usize) -> Option<u16> {
        read_u16(self.raw, at)
    }

    fn u32(&self, at: usize) -> Option<u32> {
        read_u32(self.raw, at)
    }

    fn ptr(&self, at: usize) -> Option<u64> {
        if self.plus {
            read_u64(self.raw, at)
        } else {
            self.u32(at).map(u64::from)
        }
    }

    fn va(&self, at: usize) -> Option<VaField> {
        let va = self.ptr(at)?;
        let rva = if va == 0 { None } else { self.image.va_to_rva(va) };
        Some(VaField { va, rva })
    }

    fn decode_32(&self, size: u32, parsed_size: usize) -> LoadConfig {
        LoadConfig {
            size,
            parsed_size,
            time_date_stamp: self.u32(4),
            global_flags_clear: self.u32(12),
            global_flags_set: self.u32(16),
            process_heap_flags: self.u32(44),
            dependent_load_flags: self.u16(54),
            security_cookie: self.va(60),
            se_handler_table: self.va(64),
            se_handler_count: self.ptr(68),
            guard_cf_check_function_pointer: self.va(72),
            guard_cf_dispatch_function_pointer: self.va(76),
            guard_cf_function_table: self.va(80),
            guard_cf_function_count: self.ptr(84),
            guard_flags: self.u32(88),
        }
    }

    fn decode_64(&self, size: u32, parsed_size: usize) -> LoadConfig {
        LoadConfig {
            size,
            parsed_size,
            time_date_stamp: self.u32(4),
            global_flags_clear: self.u32(12),
            global_flags_set: self.u32(16),
            process_heap_flags: self.u32(72),
            dependent_load_flags: self.u16(78),
            security_cookie: self.va(88),
            se_handler_table: self.va(96),
            se_handler_count: self.ptr(104),
            guard_cf_check_function_pointer: self.va(112),
            guard_cf_dispatch_function_pointer: self.va(120),
            guard_cf_function_table: self.va(128),
            guard_cf_function_count: self.ptr(136),
            guard_flags: self.u32(144),
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::pe::testpe::TestPe;
    use crate::pe::PeLimits;

    fn parse(pe: &TestPe) -> (Option<LoadConfig>, Vec<Anomaly>) {
        let limits = PeLimits::default();
        let image = Image::parse(&pe.bytes, &limits, &mut Vec::new());
        let mut anomalies = Vec::new();
        (parse_load_config(&image, &mut anomalies), anomalies)
    }

    #[test]
    fn va_fields_keep_their_rva() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::LOAD_CONFIG, 0x1000, 92);
        pe.put_rva_u32(0x1000, 92);
        pe.put_rva_u32(0x103C, 0x40_1800);
        pe.put_rva_u32(0x1040, 0x1234);
        pe.put_rva_u32(0x1044, 3);
        pe.put_rva_u32(0x1058, 0x500);
        let (config, anomalies) = parse(&pe);
        assert!(anomalies.is_empty(), "{anomalies:?}");
        let config = config.unwrap();
        let cookie = config.security_cookie.unwrap();
        assert_eq!(cookie, VaField { va: 0x40_1800, rva: Some(0x1800) });
        // A value below the image base has no RVA.
        let table = config.se_handler_table.unwrap();
        assert_eq!(table, VaField { va: 0x1234, rva: None });
        assert_eq!(config.se_handler_count, Some(3));
        assert_eq!(config.guard_flags, Some(0x500));
    }

    #[test]
    fn pe32_plus_offsets() {
        let mut pe = TestPe::new(true);
        pe.dir(dir::LOAD_CONFIG, 0x1000, 148);
        pe.put_rva_u32(0x1000, 148);
        pe.put_u64(TestPe::at(0x1058), 0x1_4000_2000);
        pe.put_u64(TestPe::at(0x1088), 42);
        pe.put_rva_u32(0x1090, 0x1_0500);
        let (config, _) = parse(&pe);
        let config = config.unwrap();
        let cookie = config.security_cookie.unwrap();
        assert_eq!(cookie.rva, Some(0x2000));
        assert_eq!(config.guard_cf_function_count, Some(42));
        assert_eq!(config.guard_flags, Some(0x1_0500));
    }

    #[test]
    fn declared_size_limits_fields() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::LOAD_CONFIG, 0x1000, 64);
        pe.put_rva_u32(0x1000, 64);
        pe.put_rva_u32(0x103C, 0x40_1800);
        pe.put_rva_u32(0x1040, 0x40_1900);
        let (config, _) = parse(&pe);
        let config = config.unwrap();
        assert!(config.security_cookie.is_some());
        assert_eq!(config.se_handler_table, None);
        assert_eq!(config.guard_flags, None);
    }

    #[test]
    fn size_past_section_is_truncated() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::LOAD_CONFIG, 0x1FF0, 92);
        pe.put_rva_u32(0x1FF0, 92);
        let (config, anomalies) = parse(&pe);
        let config = config.unwrap();
        assert_eq!(config.parsed_size, 16);
        assert_eq!(config.security_cookie, None);
        assert_eq!(anomalies[0].code, "load_config_truncated");
    }
}
