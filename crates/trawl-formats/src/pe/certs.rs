//! The certificate table (data directory 4) and the Authenticode
//! signatures in it.
//!
//! The directory's address is a file offset, not an RVA, and the table
//! is a run of WIN_CERTIFICATE entries, each 8-byte aligned. A PKCS#7
//! SignedData entry is decoded with the RustCrypto `cms` and `x509-cert`
//! crates: the certificates it carries, its signer, and the Authenticode
//! digest it signs, which is compared with the digest recomputed from
//! the file. Nothing here checks the signature itself or builds a chain
//! to a trusted root, so a matching digest means only that the file is
//! the one the signature describes, not that anyone trustworthy signed it.
//!
//! The signer's unsigned attributes are read too: signatures nested in
//! it (files signed with SHA-1 and SHA-256 carry one inside the other)
//! and the time-stamp, either an RFC 3161 token or a PKCS #9
//! countersignature. The time-stamp's own signature is not checked
//! either.

use std::fmt::Write as _;
use std::ops::Range;

use authenticode::{
    PeOffsetError, PeOffsets, PeTrait, SpcIndirectDataContent,
};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignerInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetStringRef};
use der::{Any, Decode, Encode, SliceReader, Tag, Tagged};
use serde::Serialize;
use sha1::Sha1;
use sha2::digest::Update;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::time::Time;
use x509_cert::Certificate;

use super::{read_u16, read_u32, Anomaly, DataDir, RvaMap};

/// Maximum number of WIN_CERTIFICATE entries read.
pub const MAX_ATTRIBUTE_CERTIFICATES: usize = 64;

/// Maximum number of X.509 certificates described per signature.
pub const MAX_CERTIFICATES_PER_SIGNATURE: usize = 64;

/// Maximum depth of signatures nested in signatures. Dual-signed files
/// carry one level.
pub const MAX_NESTING_DEPTH: usize = 2;

/// Maximum number of signatures nested directly in one signature.
pub const MAX_NESTED_SIGNATURES: usize = 8;

/// Maximum number of sections hashed for the Authenticode digest.
const MAX_SECTIONS: usize = 96;

const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 2;

const OID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Microsoft's unsigned attribute for a nested signature
/// (`szOID_NESTED_SIGNATURE`).
const OID_NESTED_SIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.4.1");

/// Microsoft's unsigned attribute for an RFC 3161 time-stamp token
/// (`szOID_RFC3161_counterSign`).
const OID_RFC3161_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.3.3.1");

/// PKCS #9 countersignature (RFC 5652 section 11.4).
const OID_COUNTERSIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.6");

/// PKCS #9 signing time (RFC 5652 section 11.3).
const OID_SIGNING_TIME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

/// Digest algorithm OIDs with their names.
const DIGEST_NAMES: &[(&str, &str)] = &[
    ("1.2.840.113549.2.5", "md5"),
    ("1.3.14.3.2.26", "sha1"),
    ("2.16.840.1.101.3.4.2.1", "sha256"),
    ("2.16.840.1.101.3.4.2.2", "sha384"),
    ("2.16.840.1.101.3.4.2.3", "sha512"),
];

/// One WIN_CERTIFICATE entry. Keys serialize in field order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// File offset of the entry.
    pub offset: usize,
    /// `dwLength`: the entry's length including its 8-byte header.
    pub length: u32,
    /// `wRevision`: 0x0100 or 0x0200.
    pub revision: u16,
    /// `wCertificateType`: 1 X.509, 2 PKCS#7 SignedData.
    pub certificate_type: u16,
    /// Name of the Authenticode digest algorithm (`sha256`, ...), or its
    /// OID when unknown.
    pub digest_algorithm: Option<String>,
    /// The Authenticode digest the signature covers, lowercase hex.
    pub signed_digest: Option<String>,
    /// The Authenticode digest recomputed from the file with the same
    /// algorithm, lowercase hex. `None` for MD5 or an unknown algorithm,
    /// and when the headers are too damaged to hash.
    pub computed_digest: Option<String>,
    /// Whether the two digests are equal; `None` when either is missing.
    pub digest_matches: Option<bool>,
    /// Subject of the certificate that matches the signer; `None` when no
    /// carried certificate matches.
    pub signer: Option<String>,
    /// Issuer named by the signer.
    pub signer_issuer: Option<String>,
    /// Serial number named by the signer, lowercase hex.
    pub signer_serial: Option<String>,
    /// The X.509 certificates carried, in their stored order.
    pub certificates: Vec<CertificateInfo>,
    /// The time-stamp countersigning the signer, when one is attached.
    pub timestamp: Option<Timestamp>,
    /// Signatures nested in the signer's unsigned attributes, in stored
    /// order. Each has this entry's offset, length, revision and type.
    pub nested: Vec<Signature>,
}

/// A time-stamp attached to a signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timestamp {
    /// `rfc3161` for a time-stamp token, `pkcs9` for a countersignature.
    pub kind: &'static str,
    /// The time the time-stamp states, `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    /// Subject of the certificate that matches the time-stamp's signer;
    /// `None` when no carried certificate matches.
    pub signer: Option<String>,
}

/// One X.509 certificate carried by a signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name: `TYPE=value` attributes in stored
    /// order, comma-separated, as `x509-cert` 0.2 prints them.
    pub subject: String,
    /// Issuer distinguished name, in the form of `subject`.
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Start of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_before: String,
    /// End of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_after: String,
    /// SHA-1 of the DER certificate, lowercase hex.
    pub sha1: String,
    /// SHA-256 of the DER certificate, lowercase hex.
    pub sha256: String,
}

/// Parses the certificate table that `dir` locates. `dir.rva` is a file
/// offset. Malformed entries become anomalies; every entry read before
/// one stays in the result.
pub fn parse_certificates(
    map: &dyn RvaMap,
    dir: DataDir,
) -> (Vec<Signature>, Vec<Anomaly>) {
    let mut anomalies = Vec::new();
    if dir.rva == 0 || dir.size == 0 {
        return (Vec::new(), anomalies);
    }
    let file = map.file();
    let Some(table) = table_bytes(file, dir, &mut anomalies) else {
        return (Vec::new(), anomalies);
    };
    let start = usize::try_from(dir.rva).unwrap_or(usize::MAX);
    if start % 8 != 0 {
        anomalies.push(Anomaly::new(
            "certificate_table_unaligned",
            format!("table at offset {start:#x} is not 8-byte aligned"),
        ));
    }
    let layout = Layout::read(file, start..start.saturating_add(table.len()));

    let mut signatures = Vec::new();
    let mut at = 0usize;
    while at.saturating_add(8) <= table.len() {
        if signatures.len() >= MAX_ATTRIBUTE_CERTIFICATES {
            anomalies.push(Anomaly::new(
                "certificate_table_truncated",
                format!("more than {MAX_ATTRIBUTE_CERTIFICATES} entries"),
            ));
            break;
        }
        let Some(next) = read_entry(
            table,
            at,
            start,
            &layout,
            &mut signatures,
            &mut anomalies,
        ) else {
            break;
        };
        at = next;
    }
    (signatures, anomalies)
}

/// Returns the table's bytes, cut to the end of the file when its size
/// runs past it.
fn table_bytes<'a>(
    file: &'a [u8],
    dir: DataDir,
    anomalies: &mut Vec<Anomaly>,
) -> Option<&'a [u8]> {
    let start = usize::try_from(dir.rva).ok()?;
    let size = usize::try_from(dir.size).ok()?;
    let Some(tail) = file.get(start..).filter(|tail| !tail.is_empty()) else {
        anomalies.push(Anomaly::new(
            "certificate_offset_past_eof",
            format!(
                "table at offset {start:#x} starts past the end of the file \
                 ({:#x} bytes)",
                file.len()
            ),
        ));
        return None;
    };
    if size > tail.len() {
        anomalies.push(Anomaly::new(
            "signature_out_of_file_bounds",
            format!(
                "table at offset {start:#x} declares {size} bytes, {} are \
                 in the file",
                tail.len()
            ),
        ));
    }
    tail.get(..size.min(tail.len()))
}

/// Reads the entry at `at` in `table`, pushes it, and returns where the
/// next one starts, or `None` when the walk must stop.
fn read_entry(
    table: &[u8],
    at: usize,
    table_offset: usize,
    layout: &Option<Layout<'_>>,
    signatures: &mut Vec<Signature>,
    anomalies: &mut Vec<Anomaly>,
) -> Option<usize> {
    let length = read_u32(table, at)?;
    let revision = read_u16(table, at.saturating_add(4))?;
    let certificate_type = read_u16(table, at.saturating_add(6))?;
    let offset = table_offset.saturating_add(at);
    let len = usize::try_from(length).ok()?;
    if len < 8 {
        anomalies.push(Anomaly::new(
            "signature_invalid_length",
            format!("entry at offset {offset:#x} has length {length}"),
        ));
        return None;
    }
    if !matches!(revision, 0x0100 | 0x0200) {
        anomalies.push(Anomaly::new(
            "signature_invalid_revision",
            format!(
                "entry at offset {offset:#x} has revision {revision:#06x}"
            ),
        ));
    }
    if !matches!(certificate_type, 1 | 2) {
        anomalies.push(Anomaly::new(
            "signature_invalid_type",
            format!("entry at offset {offset:#x} has type {certificate_type}"),
        ));
    }
    let end = at.saturating_add(len);
    if end > table.len() {
        anomalies.push(Anomaly::new(
            "signature_out_of_file_bounds",
            format!("entry at offset {offset:#x} runs past the table"),
        ));
    }
    let body = table.get(at.saturating_add(8)..end.min(table.len()))?;

    let mut signature = Signature {
        offset,
        length,
        revision,
        certificate_type,
        ..Signature::default()
    };
    if certificate_type == WIN_CERT_TYPE_PKCS_SIGNED_DATA {
        describe_signed_data(body, layout, &mut signature, anomalies, 0);
    }
    signatures.push(signature);
    end.checked_next_multiple_of(8)
}

/// Decodes the PKCS#7 SignedData in `body` into `signature`, which is
/// nested `depth` levels deep in its entry.
fn describe_signed_data(
    body: &[u8],
    layout: &Option<Layout<'_>>,
    signature: &mut Signature,
    anomalies: &mut Vec<Anomaly>,
    depth: usize,
) {
    let offset = signature.offset;
    let signed_data = match decode_signed_data(body) {
        Ok(signed_data) => signed_data,
        Err(error) => {
            anomalies.push(Anomaly::new(
                "signature_malformed",
                format!("entry at offset {offset:#x}: {error}"),
            ));
            return;
        }
    };
    if let Err(error) = authenticode::AuthenticodeSignature::from_bytes(body) {
        anomalies.push(Anomaly::new(
            "signature_not_authenticode",
            format!("entry at offset {offset:#x}: {error}"),
        ));
    }

    signature.certificates = certificates(&signed_data);
    describe_signer(&signed_data, signature);
    match indirect_data(&signed_data) {
        Some(content) => describe_digest(&content, layout, signature),
        None => anomalies.push(Anomaly::new(
            "signature_malformed",
            format!(
                "entry at offset {offset:#x} carries no \
                 SpcIndirectDataContent"
            ),
        )),
    }
    describe_unsigned_attributes(
        &signed_data,
        layout,
        signature,
        anomalies,
        depth,
    );
}

/// Reads the first signer's nested signatures and time-stamp. Nesting
/// stops at `MAX_NESTING_DEPTH` levels and `MAX_NESTED_SIGNATURES` per
/// signature, and only the first time-stamp is kept.
fn describe_unsigned_attributes(
    signed_data: &SignedData,
    layout: &Option<Layout<'_>>,
    signature: &mut Signature,
    anomalies: &mut Vec<Anomaly>,
    depth: usize,
) {
    let Some(signer) = signed_data.signer_infos.0.iter().next() else {
        return;
    };
    let Some(attributes) = &signer.unsigned_attrs else { return };
    for attribute in attributes.iter() {
        for value in attribute.values.iter() {
            if attribute.oid == OID_NESTED_SIGNATURE {
                let room = signature.nested.len() < MAX_NESTED_SIGNATURES;
                if depth >= MAX_NESTING_DEPTH || !room {
                    continue;
                }
                let Ok(body) = value.to_der() else { continue };
                let mut nested = Signature {
                    offset: signature.offset,
                    length: signature.length,
                    revision: signature.revision,
                    certificate_type: signature.certificate_type,
                    ..Signature::default()
                };
                describe_signed_data(
                    &body,
                    layout,
                    &mut nested,
                    anomalies,
                    depth.saturating_add(1),
                );
                signature.nested.push(nested);
            } else if signature.timestamp.is_none() {
                signature.timestamp = if attribute.oid == OID_RFC3161_TIMESTAMP
                {
                    rfc3161_timestamp(value)
                } else if attribute.oid == OID_COUNTERSIGNATURE {
                    countersignature_timestamp(value, &signature.certificates)
                } else {
                    None
                };
            }
        }
    }
}

/// Reads the time and signer of an RFC 3161 time-stamp token: a
/// ContentInfo whose SignedData encapsulates a TSTInfo.
fn rfc3161_timestamp(token: &Any) -> Option<Timestamp> {
    let body = token.to_der().ok()?;
    let signed_data = decode_signed_data(&body).ok()?;
    let content = signed_data.encap_content_info.econtent.as_ref()?;
    let octets: OctetStringRef<'_> = content.decode_as().ok()?;
    let time = tst_info_time(octets.as_bytes())?;
    let certificates = certificates(&signed_data);
    let signer = signed_data
        .signer_infos
        .0
        .iter()
        .next()
        .and_then(|info| signer_subject(info, &certificates));
    Some(Timestamp { kind: "rfc3161", time, signer })
}

/// Returns `genTime` from a DER TSTInfo, the fifth field after version,
/// policy, messageImprint and serialNumber (RFC 3161 section 2.4.2).
fn tst_info_time(der: &[u8]) -> Option<String> {
    let info = Any::from_der(der).ok()?;
    if info.tag() != Tag::Sequence {
        return None;
    }
    let mut reader = SliceReader::new(info.value()).ok()?;
    for _ in 0..4 {
        Any::decode(&mut reader).ok()?;
    }
    let time = GeneralizedTime::decode(&mut reader).ok()?;
    Some(time.to_date_time().to_string())
}

/// Reads the signing time of a PKCS #9 countersignature, a SignerInfo
/// whose certificate travels with the signature it countersigns.
fn countersignature_timestamp(
    value: &Any,
    certificates: &[CertificateInfo],
) -> Option<Timestamp> {
    let info = SignerInfo::from_der(&value.to_der().ok()?).ok()?;
    let attributes = info.signed_attrs.as_ref()?;
    let signing_time =
        attributes.iter().find(|a| a.oid == OID_SIGNING_TIME)?;
    let time_der = signing_time.values.iter().next()?.to_der().ok()?;
    let time = Time::from_der(&time_der).ok()?;
    Some(Timestamp {
        kind: "pkcs9",
        time: time.to_date_time().to_string(),
        signer: signer_subject(&info, certificates),
    })
}

/// Returns the subject of the certificate that `info` names by issuer
/// and serial number.
fn signer_subject(
    info: &SignerInfo,
    certificates: &[CertificateInfo],
) -> Option<String> {
    let SignerIdentifier::IssuerAndSerialNumber(id) = &info.sid else {
        return None;
    };
    let issuer = id.issuer.to_string();
    let serial = hex(id.serial_number.as_bytes());
    certificates
        .iter()
        .find(|c| c.issuer == issuer && c.serial == serial)
        .map(|c| c.subject.clone())
}

/// Decodes ContentInfo and its SignedData, allowing the zero padding
/// that usually follows them inside the entry.
fn decode_signed_data(body: &[u8]) -> Result<SignedData, String> {
    let mut reader = SliceReader::new(body).map_err(|e| e.to_string())?;
    let info = ContentInfo::decode(&mut reader).map_err(|e| e.to_string())?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(format!(
            "content type {} is not SignedData",
            info.content_type
        ));
    }
    info.content.decode_as::<SignedData>().map_err(|e| e.to_string())
}

/// Returns the SpcIndirectDataContent, stored directly as Authenticode
/// does or wrapped in an OCTET STRING as generic CMS signers do.
fn indirect_data(signed_data: &SignedData) -> Option<SpcIndirectDataContent> {
    let content = signed_data.encap_content_info.econtent.as_ref()?;
    if content.tag() == Tag::OctetString {
        let inner: OctetStringRef<'_> = content.decode_as().ok()?;
        SpcIndirectDataContent::from_der(inner.as_bytes()).ok()
    } else {
        content.decode_as().ok()
    }
}

fn certificates(signed_data: &SignedData) -> Vec<CertificateInfo> {
    let Some(set) = &signed_data.certificates else { return Vec::new() };
    set.0
        .iter()
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert),
            CertificateChoices::Other(_) => None,
        })
        .take(MAX_CERTIFICATES_PER_SIGNATURE)
        .map(describe_certificate)
        .collect()
}

fn describe_certificate(cert: &Certificate) -> CertificateInfo {
    let tbs = &cert.tbs_certificate;
    // A certificate that decoded also encodes, so the DER is only empty
    // if the encoder fails, and then both thumbprints hash no bytes.
    let der = cert.to_der().unwrap_or_default();
    CertificateInfo {
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial: hex(tbs.serial_number.as_bytes()),
        not_before: tbs.validity.not_before.to_date_time().to_string(),
        not_after: tbs.validity.not_after.to_date_time().to_string(),
        sha1: hex(&Sha1::digest(&der)),
        sha256: hex(&Sha256::digest(&der)),
    }
}

/// Records the signer's issuer and serial and the subject of the
/// certificate they name.
fn describe_signer(signed_data: &SignedData, signature: &mut Signature) {
    let Some(signer) = signed_data.signer_infos.0.iter().next() else {
        return;
    };
    let SignerIdentifier::IssuerAndSerialNumber(id) = &signer.sid else {
        return;
    };
    signature.signer = signer_subject(signer, &signature.certificates);
    signature.signer_issuer = Some(id.issuer.to_string());
    signature.signer_serial = Some(hex(id.serial_number.as_bytes()));
}

fn describe_digest(
    content: &SpcIndirectDataContent,
    layout: &Option<Layout<'_>>,
    signature: &mut Signature,
) {
    let oid = content.message_digest.digest_algorithm.oid.to_string();
    let name = DIGEST_NAMES
        .iter()
        .find(|&&(known, _)| known == oid)
        .map(|&(_, name)| name);
    let signed = content.message_digest.digest.as_bytes();
    let computed =
        layout.as_ref().and_then(|l| name.and_then(|n| l.digest(n)));

    signature.digest_algorithm = Some(name.map_or(oid, str::to_owned));
    signature.signed_digest = Some(hex(signed));
    signature.digest_matches = computed.as_deref().map(|c| c == signed);
    signature.computed_digest = computed.as_deref().map(hex);
}

/// The parts of a PE that the Authenticode digest skips or orders: the
/// checksum field, the certificate directory entry, the end of the
/// headers and each section's raw data.
struct Layout<'a> {
    file: &'a [u8],
    offsets: PeOffsets,
    sections: Vec<Range<usize>>,
    table: Range<usize>,
}

impl<'a> Layout<'a> {
    /// Reads the layout from the headers, or `None` when they are not a
    /// PE32 or PE32+ image in the file.
    fn read(file: &'a [u8], table: Range<usize>) -> Option<Layout<'a>> {
        let pe = usize::try_from(read_u32(file, 0x3C)?).ok()?;
        if file.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
            return None;
        }
        let coff = pe.checked_add(4)?;
        let count = usize::from(read_u16(file, coff.checked_add(2)?)?);
        let optional_len = usize::from(read_u16(file, coff.checked_add(16)?)?);
        let optional = coff.checked_add(20)?;
        let directories = match read_u16(file, optional)? {
            0x10B => optional.checked_add(96)?,
            0x20B => optional.checked_add(112)?,
            _ => return None,
        };
        let check_sum = optional.checked_add(64)?;
        let security = directories.checked_add(4 * 8)?;
        let after_header =
            usize::try_from(read_u32(file, optional.checked_add(60)?)?)
                .ok()?;

        let table_start = optional.checked_add(optional_len)?;
        let mut sections = Vec::new();
        for index in 0..count.min(MAX_SECTIONS) {
            let header = table_start.checked_add(index.checked_mul(40)?)?;
            let size = read_u32(file, header.checked_add(16)?)?;
            let pointer = read_u32(file, header.checked_add(20)?)?;
            if size == 0 {
                continue;
            }
            let start = usize::try_from(pointer).ok()?;
            sections
                .push(start..start.checked_add(usize::try_from(size).ok()?)?);
        }

        let offsets = PeOffsets {
            check_sum,
            after_check_sum: check_sum.checked_add(4)?,
            security_data_dir: security,
            after_security_data_dir: security.checked_add(8)?,
            after_header,
        };
        Some(Layout { file, offsets, sections, table })
    }

    /// Computes the Authenticode digest with the named algorithm.
    fn digest(&self, algorithm: &str) -> Option<Vec<u8>> {
        fn run<D: Digest + Update>(pe: &dyn PeTrait) -> Option<Vec<u8>> {
            let mut hasher = D::new();
            authenticode::authenticode_digest(pe, &mut hasher).ok()?;
            Some(hasher.finalize().to_vec())
        }
        match algorithm {
            "sha1" => run::<Sha1>(self),
            "sha256" => run::<Sha256>(self),
            "sha384" => run::<Sha384>(self),
            "sha512" => run::<Sha512>(self),
            _ => None,
        }
    }
}

impl PeTrait for Layout<'_> {
    fn data(&self) -> &[u8] {
        self.file
    }

    fn num_sections(&self) -> usize {
        self.sections.len()
    }

    fn section_data_range(
        &self,
        index: usize,
    ) -> Result<Range<usize>, PeOffsetError> {
        let position = index.checked_sub(1).ok_or(PeOffsetError)?;
        self.sections.get(position).cloned().ok_or(PeOffsetError)
    }

    fn certificate_table_range(
        &self,
    ) -> Result<Option<Range<usize>>, PeOffsetError> {
        Ok(Some(self.table.clone()))
    }

    fn offsets(&self) -> Result<PeOffsets, PeOffsetError> {
        Ok(self.offsets.clone())
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for byte in bytes {
        // `fmt::Write` for `String` always returns `Ok`.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::super::resources::testing::FlatMap;
    use super::*;

    /// A PE32+ image signed by a throwaway self-signed key; see
    /// `testdata/make-signed-pe.py`.
    const SIGNED: &[u8] = include_bytes!("testdata/signed-tiny.exe");

    /// Reads the certificate directory entry from the headers of `file`.
    fn security_dir(file: &[u8]) -> DataDir {
        let at = 0x98 + 112 + 32;
        DataDir {
            rva: read_u32(file, at).unwrap(),
            size: read_u32(file, at + 4).unwrap(),
        }
    }

    fn parse(file: Vec<u8>) -> (Vec<Signature>, Vec<Anomaly>) {
        let dir = security_dir(&file);
        parse_certificates(&FlatMap(file), dir)
    }

    fn codes(anomalies: &[Anomaly]) -> Vec<&'static str> {
        anomalies.iter().map(|a| a.code).collect()
    }

    #[test]
    fn signed_image_digest_matches() {
        let (signatures, anomalies) = parse(SIGNED.to_vec());
        assert!(anomalies.is_empty(), "{anomalies:?}");
        let signature = &signatures[0];
        assert_eq!(signature.offset, 0x400);
        assert_eq!(signature.revision, 0x0200);
        assert_eq!(signature.certificate_type, 2);
        assert_eq!(signature.digest_algorithm.as_deref(), Some("sha256"));
        assert_eq!(signature.digest_matches, Some(true));
        assert_eq!(signature.signed_digest, signature.computed_digest);
    }

    #[test]
    fn signed_data_version_three_is_not_authenticode() {
        // Authenticode requires SignedData version 1. CMS writes 3 for a
        // content type other than id-data, as `openssl cms` does.
        let mut file = SIGNED.to_vec();
        let version = 0x408 + 23;
        assert_eq!(file[version..version + 3], [0x02, 0x01, 0x01]);
        file[version + 2] = 3;
        let (signatures, anomalies) = parse(file);
        assert_eq!(codes(&anomalies), ["signature_not_authenticode"]);
        assert_eq!(signatures[0].digest_matches, Some(true));
    }

    /// The same image signed with SHA-256, with an RFC 3161 time-stamp
    /// and a nested SHA-1 signature that has a PKCS #9 countersignature;
    /// see `testdata/make-signed-pe.py --nested`.
    const NESTED: &[u8] = include_bytes!("testdata/signed-nested.exe");

    const TSA: &str = "O=Trawl Tests,CN=Trawl Test TSA";

    #[test]
    fn nested_signature_and_timestamps() {
        let (signatures, anomalies) = parse(NESTED.to_vec());
        assert!(anomalies.is_empty(), "{anomalies:?}");
        assert_eq!(signatures.len(), 1);
        let primary = &signatures[0];
        assert_eq!(primary.digest_algorithm.as_deref(), Some("sha256"));
        assert_eq!(primary.digest_matches, Some(true));
        let stamp = primary.timestamp.as_ref().unwrap();
        assert_eq!(stamp.kind, "rfc3161");
        assert_eq!(stamp.signer.as_deref(), Some(TSA));
        // The signing certificate was made just before the time-stamp.
        assert!(stamp.time >= primary.certificates[0].not_before);
        assert_eq!(stamp.time.len(), "2025-01-01T00:00:00Z".len());

        assert_eq!(primary.nested.len(), 1);
        let nested = &primary.nested[0];
        assert_eq!(nested.offset, primary.offset);
        assert_eq!(nested.digest_algorithm.as_deref(), Some("sha1"));
        assert_eq!(nested.digest_matches, Some(true));
        assert_eq!(nested.signer, primary.signer);
        assert_eq!(nested.certificates.len(), 2);
        let counter = nested.timestamp.as_ref().unwrap();
        assert_eq!(counter.kind, "pkcs9");
        assert_eq!(counter.signer.as_deref(), Some(TSA));
        assert!(counter.time >= primary.certificates[0].not_before);
        assert!(nested.nested.is_empty());
    }

    #[test]
    fn nested_signature_sees_changed_section() {
        let mut file = NESTED.to_vec();
        file[0x210] ^= 0x20;
        let (signatures, _) = parse(file);
        assert_eq!(signatures[0].digest_matches, Some(false));
        assert_eq!(signatures[0].nested[0].digest_matches, Some(false));
    }

    #[test]
    fn plain_signature_has_no_timestamp() {
        let (signatures, _) = parse(SIGNED.to_vec());
        assert_eq!(signatures[0].timestamp, None);
        assert!(signatures[0].nested.is_empty());
    }

    #[test]
    fn signed_image_certificate_fields() {
        let (signatures, _) = parse(SIGNED.to_vec());
        let signature = &signatures[0];
        let subject = "O=Trawl Tests,CN=Trawl Test Signer";
        assert_eq!(signature.signer.as_deref(), Some(subject));
        assert_eq!(signature.signer_issuer.as_deref(), Some(subject));
        assert_eq!(signature.signer_serial.as_deref(), Some("1234abcd"));
        let cert = &signature.certificates[0];
        assert_eq!(cert.subject, subject);
        assert_eq!(cert.issuer, subject);
        assert_eq!(cert.serial, "1234abcd");
        assert!(cert.not_before < cert.not_after);
        assert_eq!(cert.not_before.len(), "2025-01-01T00:00:00Z".len());
        assert_eq!(cert.sha1.len(), 40);
        assert_eq!(cert.sha256.len(), 64);
    }

    #[test]
    fn changed_section_breaks_digest() {
        let mut file = SIGNED.to_vec();
        file[0x210] ^= 0x20;
        let (signatures, _) = parse(file);
        assert_eq!(signatures[0].digest_matches, Some(false));
        assert_ne!(signatures[0].signed_digest, signatures[0].computed_digest);
    }

    #[test]
    fn changed_checksum_keeps_digest() {
        let mut file = SIGNED.to_vec();
        file[0x98 + 64] ^= 0xFF;
        let (signatures, _) = parse(file);
        assert_eq!(signatures[0].digest_matches, Some(true));
    }

    #[test]
    fn thumbprints_hash_the_der_certificate() {
        let (signatures, _) = parse(SIGNED.to_vec());
        let cert = &signatures[0].certificates[0];
        // The DER certificate is stored verbatim in the SignedData, so
        // its thumbprint must hash bytes found in the file.
        let der_start = SIGNED
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w == &[0x30, 0x82])
            .map(|(i, _)| i)
            .find(|&i| {
                let len = u16::from_be_bytes([SIGNED[i + 2], SIGNED[i + 3]])
                    as usize;
                SIGNED
                    .get(i..i + 4 + len)
                    .is_some_and(|der| hex(&Sha1::digest(der)) == cert.sha1)
            });
        assert!(der_start.is_some());
    }

    #[test]
    fn entry_header_checks_table() {
        let header = |length: u32, revision: u16, kind: u16| {
            let mut t = length.to_le_bytes().to_vec();
            t.extend(revision.to_le_bytes());
            t.extend(kind.to_le_bytes());
            t.resize(16, 0);
            t
        };
        let cases: [(Vec<u8>, &[&str]); 5] = [
            (header(4, 0x200, 2), &["signature_invalid_length"]),
            (
                header(16, 0x300, 2),
                &["signature_invalid_revision", "signature_malformed"],
            ),
            (header(16, 0x200, 9), &["signature_invalid_type"]),
            (header(16, 0x200, 1), &[]),
            (header(64, 0x200, 1), &["signature_out_of_file_bounds"]),
        ];
        for (table, expected) in cases {
            let mut file = vec![0u8; 0x100];
            file.extend(&table);
            let dir = DataDir { rva: 0x100, size: table.len() as u32 };
            let (_, anomalies) = parse_certificates(&FlatMap(file), dir);
            assert_eq!(codes(&anomalies), expected, "{table:x?}");
        }
    }

    #[test]
    fn entries_walk_at_8_byte_steps() {
        let mut table = Vec::new();
        for length in [9u32, 8, 12] {
            table.extend(length.to_le_bytes());
            table.extend(0x200u16.to_le_bytes());
            table.extend(1u16.to_le_bytes());
            table.resize(
                table.len() + (length as usize - 8).next_multiple_of(8),
                0,
            );
        }
        let mut file = vec![0u8; 0x100];
        file.extend(&table);
        let dir = DataDir { rva: 0x100, size: table.len() as u32 };
        let (signatures, anomalies) = parse_certificates(&FlatMap(file), dir);
        let offsets: Vec<_> = signatures.iter().map(|s| s.offset).collect();
        assert_eq!(offsets, [0x100, 0x110, 0x118]);
        assert_eq!(anomalies, []);
    }

    #[test]
    fn table_offsets_past_end_table() {
        let cases = [
            (DataDir { rva: 0x1000, size: 8 }, "certificate_offset_past_eof"),
            (DataDir { rva: 0x101, size: 8 }, "certificate_table_unaligned"),
        ];
        for (dir, expected) in cases {
            let (signatures, anomalies) =
                parse_certificates(&FlatMap(vec![0; 0x110]), dir);
            assert!(signatures.len() <= 1);
            assert_eq!(anomalies[0].code, expected);
        }
    }

    #[test]
    fn entry_count_is_capped() {
        let mut table = Vec::new();
        for _ in 0..1000 {
            table.extend(8u32.to_le_bytes());
            table.extend(0x200u16.to_le_bytes());
            table.extend(1u16.to_le_bytes());
        }
        let dir = DataDir { rva: 8, size: table.len() as u32 };
        let mut file = vec![0u8; 8];
        file.extend(&table);
        let (signatures, anomalies) = parse_certificates(&FlatMap(file), dir);
        assert_eq!(signatures.len(), MAX_ATTRIBUTE_CERTIFICATES);
        assert_eq!(codes(&anomalies), ["certificate_table_truncated"]);
    }

    #[test]
    fn truncated_signature_is_malformed() {
        let dir = security_dir(SIGNED);
        let cut = dir.rva as usize + 300;
        let (signatures, anomalies) =
            parse_certificates(&FlatMap(SIGNED[..cut].to_vec()), dir);
        assert_eq!(signatures.len(), 1);
        assert!(signatures[0].certificates.is_empty());
        assert!(codes(&anomalies).contains(&"signature_malformed"));
    }

    #[test]
    fn absent_directory_gives_nothing() {
        let (signatures, anomalies) =
            parse_certificates(&FlatMap(SIGNED.to_vec()), DataDir::default());
        assert_eq!(signatures, []);
        assert_eq!(anomalies, []);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn mutated_signed_image_never_panics(
                edits in proptest::collection::vec(
                    (0usize..SIGNED.len(), any::<u8>()),
                    1..8,
                ),
            ) {
                let mut file = SIGNED.to_vec();
                for (at, value) in edits {
                    file[at] = value;
                }
                let _ = parse(file);
            }

            #[test]
            fn arbitrary_tables_never_panic(
                bytes in proptest::collection::vec(any::<u8>(), 0..512),
                rva in 0u32..600,
                size in prop_oneof![Just(512u32), any::<u32>()],
            ) {
                let map = FlatMap(bytes);
                let (signatures, _) =
                    parse_certificates(&map, DataDir { rva, size });
                for s in signatures {
                    prop_assert!(s.offset < map.0.len());
                }
            }
        }
    }
}
