//! The TLS directory and its callback array.
//!
//! The directory's address fields are virtual addresses; they are kept
//! as stored, and the callback array is found by subtracting the image
//! base.

use super::image::Image;
use super::{dir, read_u32, read_u64, Anomaly, PeLimits, RvaMap};

/// Sizes of `IMAGE_TLS_DIRECTORY32` and `IMAGE_TLS_DIRECTORY64`.
const DIRECTORY_LEN_32: usize = 24;
const DIRECTORY_LEN_64: usize = 40;

/// The TLS directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    /// VA of the start of the TLS template (`StartAddressOfRawData`).
    pub start_address_of_raw_data: u64,
    /// VA of the end of the TLS template (`EndAddressOfRawData`).
    pub end_address_of_raw_data: u64,
    /// VA of the TLS index (`AddressOfIndex`).
    pub address_of_index: u64,
    /// VA of the callback array (`AddressOfCallBacks`), 0 when none.
    pub address_of_callbacks: u64,
    /// Zero-fill size after the template.
    pub size_of_zero_fill: u32,
    /// Alignment flags.
    pub characteristics: u32,
    /// The callback VAs, in array order, up to the terminating zero.
    pub callbacks: Vec<u64>,
}

/// Reads the TLS directory, `None` when the image has none.
pub fn parse_tls(
    image: &Image<'_>,
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> Option<Tls> {
    let directory = image.directory(dir::TLS);
    if directory.rva == 0 {
        return None;
    }
    let plus = image.is_pe32_plus();
    let len = if plus { DIRECTORY_LEN_64 } else { DIRECTORY_LEN_32 };
    let Some(raw) = image.bytes_at(directory.rva, len) else {
        anomalies.push(Anomaly::new(
            "tls_directory_truncated",
            format!(
                "TLS directory at RVA {:#x} is not wholly in the file",
                directory.rva
            ),
        ));
        return None;
    };
    let u32_at = |at| read_u32(raw, at).unwrap_or(0);
    let ptr_at = |index: usize| {
        if plus {
            read_u64(raw, index.saturating_mul(8)).unwrap_or(0)
        } else {
            u64::from(u32_at(index.saturating_mul(4)))
        }
    };
    let tail = if plus { 32 } else { 16 };
    let mut tls = Tls {
        start_address_of_raw_data: ptr_at(0),
        end_address_of_raw_data: ptr_at(1),
        address_of_index: ptr_at(2),
        address_of_callbacks: ptr_at(3),
        size_of_zero_fill: u32_at(tail),
        characteristics: u32_at(tail.saturating_add(4)),
        callbacks: Vec::new(),
    };
    if tls.address_of_callbacks != 0 {
        tls.callbacks = read_callbacks(image, &tls, limits, anomalies);
    }
    Some(tls)
}

/// Reads the zero-terminated callback array.
fn read_callbacks(
    image: &Image<'_>,
    tls: &Tls,
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<u64> {
    let mut callbacks = Vec::new();
    let va = tls.address_of_callbacks;
    let array = image.va_to_rva(va).and_then(|rva| image.mapped_tail(rva));
    let Some(array) = array else {
        anomalies.push(Anomaly::new(
            "tls_callbacks_unmapped",
            format!("TLS callback array at VA {va:#x} is not in the file"),
        ));
        return callbacks;
    };
    let plus = image.is_pe32_plus();
    let width = if plus { 8 } else { 4 };
    for raw in array.chunks_exact(width) {
        let callback = if plus {
            read_u64(raw, 0).unwrap_or(0)
        } else {
            u64::from(read_u32(raw, 0).unwrap_or(0))
        };
        if callback == 0 {
            return callbacks;
        }
        if callbacks.len() >= limits.max_tls_callbacks {
            anomalies.push(Anomaly::new(
                "tls_callbacks_limit_reached",
                format!(
                    "TLS callback array cut after {} entries (raise \
                     --max-pe-entries)",
                    callbacks.len()
                ),
            ));
            return callbacks;
        }
        callbacks.push(callback);
    }
    anomalies.push(Anomaly::new(
        "tls_callbacks_truncated",
        format!(
            "TLS callback array at VA {va:#x} runs past its section after \
             {} entries",
            callbacks.len()
        ),
    ));
    callbacks
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::pe::testpe::TestPe;

    fn parse(pe: &TestPe, limits: &PeLimits) -> (Option<Tls>, Vec<Anomaly>) {
        let image = Image::parse(&pe.bytes, limits, &mut Vec::new());
        let mut anomalies = Vec::new();
        (parse_tls(&image, limits, &mut anomalies), anomalies)
    }

    #[test]
    fn directory_and_callbacks_both_widths() {
        for plus in [false, true] {
            let mut pe = TestPe::new(plus);
            let base: u64 = if plus { 0x1_4000_0000 } else { 0x40_0000 };
            pe.dir(dir::TLS, 0x1000, 40);
            let fields =
                [base + 0x1800, base + 0x1808, base + 0x1810, base + 0x1100];
            for (i, value) in fields.iter().enumerate() {
                if plus {
                    pe.put_u64(TestPe::at(0x1000) + 8 * i, *value);
                } else {
                    pe.put_rva_u32(0x1000 + 4 * i as u32, *value as u32);
                }
            }
            let callbacks = [base + 0x1200, base + 0x1300, 0];
            for (i, value) in callbacks.iter().enumerate() {
                if plus {
                    pe.put_u64(TestPe::at(0x1100) + 8 * i, *value);
                } else {
                    pe.put_rva_u32(0x1100 + 4 * i as u32, *value as u32);
                }
            }
            let (tls, anomalies) = parse(&pe, &PeLimits::default());
            assert!(anomalies.is_empty(), "{anomalies:?}");
            let tls = tls.unwrap();
            assert_eq!(tls.start_address_of_raw_data, base + 0x1800);
            assert_eq!(tls.address_of_callbacks, base + 0x1100);
            assert_eq!(tls.callbacks, [base + 0x1200, base + 0x1300]);
        }
    }

    #[test]
    fn callback_array_bounded() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::TLS, 0x1000, 24);
        pe.put_rva_u32(0x100C, 0x40_1100);
        // Non-zero pointers to the end of the section, no terminator.
        for i in 0..0x3C0 {
            pe.put_rva_u32(0x1100 + 4 * i, 0x40_1000);
        }
        let (tls, anomalies) = parse(&pe, &PeLimits::default());
        assert_eq!(tls.unwrap().callbacks.len(), 0x3C0);
        assert_eq!(anomalies[0].code, "tls_callbacks_truncated");
        let limits = PeLimits { max_tls_callbacks: 16, ..PeLimits::default() };
        let (tls, anomalies) = parse(&pe, &limits);
        assert_eq!(tls.unwrap().callbacks.len(), 16);
        assert_eq!(anomalies[0].code, "tls_callbacks_limit_reached");
    }

    #[test]
    fn callbacks_below_image_base_unmapped() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::TLS, 0x1000, 24);
        pe.put_rva_u32(0x100C, 0x1100);
        let (tls, anomalies) = parse(&pe, &PeLimits::default());
        assert!(tls.unwrap().callbacks.is_empty());
        assert_eq!(anomalies[0].code, "tls_callbacks_unmapped");
    }

    #[test]
    fn directory_cut_by_section_end() {
        let mut pe = TestPe::new(true);
        pe.dir(dir::TLS, 0x1FF0, 40);
        let (tls, anomalies) = parse(&pe, &PeLimits::default());
        assert_eq!(tls, None);
        assert_eq!(anomalies[0].code, "tls_directory_truncated");
    }
}
