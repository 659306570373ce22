#!/usr/bin/env python3
"""Writes signed-tiny.exe: a minimal PE32+ image with one section and an
Authenticode signature made by a throwaway self-signed key. With
`--nested` it writes signed-nested.exe instead: the same image signed
with SHA-256, carrying in the signer's unsigned attributes an RFC 3161
time-stamp token and a nested SHA-1 signature, as dual-signed files do.
The nested signature carries a PKCS #9 countersignature.

Each signature is a CMS SignedData from `openssl cms` whose content is
an SpcIndirectDataContent holding the Authenticode digest of the image,
so the digest in it matches the file. The time-stamp token comes from
`openssl ts` with a throwaway time-stamping key. Run it from this
directory; it needs python3 and openssl.
"""
import hashlib, os, struct, subprocess, sys, tempfile

def der(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        size = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(size)]) + size
    return bytes([tag]) + head + body

def oid(text):
    parts = [int(p) for p in text.split(".")]
    out = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, out)

def tlv(data):
    """Splits DER `data` into (tag, body) pairs."""
    out = []
    while data:
        tag, n = data[0], data[1]
        start = 2
        if n & 0x80:
            start = 2 + (n & 0x7F)
            n = int.from_bytes(data[2:start], "big")
        out.append((tag, data[start:start + n]))
        data = data[start + n:]
    return out

def authenticode_shape(blob):
    """Rewrites openssl's CMS into the shape Authenticode prescribes.

    openssl writes SignedData version 3 and wraps the content in an OCTET
    STRING, as CMS does for a content type other than id-data;
    Authenticode wants version 1 and the SpcIndirectDataContent directly
    under the [0] tag. The signer's messageDigest still covers the content
    as openssl hashed it, so the CMS signature no longer verifies. trawl
    does not verify signer signatures, and the image digest is unchanged.
    """
    [(_, content_info)] = tlv(blob)
    content_type, (_, wrapped) = tlv(content_info)
    [(_, signed_data)] = tlv(wrapped)
    fields = tlv(signed_data)
    assert fields[0] == (0x02, b"\x03"), "unexpected SignedData version"
    encap_type, (_, econtent) = tlv(fields[2][1])
    [(octet_tag, spc)] = tlv(econtent)
    assert octet_tag == 0x04, "content not wrapped in an OCTET STRING"
    encap = der(0x30, der(*encap_type) + der(0xA0, spc))
    rest = b"".join(der(tag, body) for tag, body in fields[3:])
    body = der(0x02, b"\x01") + der(*fields[1]) + encap + rest
    return der(0x30, der(*content_type) + der(0xA0, der(0x30, body)))

def image():
    headers = bytearray(0x200)
    headers[0:2] = b"MZ"
    struct.pack_into("<I", headers, 0x3C, 0x80)
    headers[0x80:0x84] = b"PE\0\0"
    # COFF: AMD64, one section, optional header of 240 bytes, executable.
    struct.pack_into("<HHIIIHH", headers, 0x84, 0x8664, 1, 0, 0, 0, 240, 0x22)
    opt = 0x98
    struct.pack_into("<H", headers, opt, 0x20B)
    struct.pack_into("<I", headers, opt + 16, 0x1000)   # entry point
    struct.pack_into("<Q", headers, opt + 24, 0x140000000)
    struct.pack_into("<II", headers, opt + 32, 0x1000, 0x200)
    struct.pack_into("<I", headers, opt + 56, 0x2000)   # SizeOfImage
    struct.pack_into("<I", headers, opt + 60, 0x200)    # SizeOfHeaders
    struct.pack_into("<I", headers, opt + 64, 0x1234)   # CheckSum, skipped
    struct.pack_into("<H", headers, opt + 68, 3)
    struct.pack_into("<I", headers, opt + 108, 16)
    section = opt + 240
    headers[section:section + 8] = b".text\0\0\0"
    struct.pack_into("<IIII", headers, section + 8, 0x100, 0x1000, 0x200, 0x200)
    struct.pack_into("<I", headers, section + 36, 0x60000020)
    body = bytearray(0x200)
    body[0:1] = b"\xC3"
    body[0x10:0x30] = b"http://signed.example.test/path\0"
    return headers + body

def authentihash(data, opt, algorithm):
    checksum = opt + 64
    security = opt + 112 + 4 * 8
    h = hashlib.new(algorithm)
    h.update(data[:checksum])
    h.update(data[checksum + 4:security])
    h.update(data[security + 8:0x200])
    h.update(data[0x200:0x400])
    return h.digest()

DIGEST_OIDS = {"sha1": "1.3.14.3.2.26", "sha256": "2.16.840.1.101.3.4.2.1"}

def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)

def sign(pe, algorithm, path, name):
    """Returns an Authenticode-shaped SignedData over the image digest."""
    pe_image_data = der(0x30, der(0x03, b"\x00"))
    spc = der(0x30,
        der(0x30, oid("1.3.6.1.4.1.311.2.1.15") + pe_image_data)
        + der(0x30, der(0x30, oid(DIGEST_OIDS[algorithm]) + b"\x05\x00")
              + der(0x04, authentihash(pe, 0x98, algorithm))))
    open(path(name + ".content"), "wb").write(spc)
    openssl("cms", "-sign", "-binary", "-nodetach", "-outform", "DER",
        "-md", algorithm, "-econtent_type", "1.3.6.1.4.1.311.2.1.4",
        "-signer", path("cert.pem"), "-inkey", path("key.pem"),
        "-in", path(name + ".content"), "-out", path(name + ".der"))
    return authenticode_shape(open(path(name + ".der"), "rb").read())

TSA_CONFIG = """
[tsa]
default_tsa = tsa_config
[tsa_config]
serial = {serial}
signer_cert = {cert}
signer_key = {key}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
ess_cert_id_alg = sha256
"""

def timestamp_token(signature_value, path):
    """Returns an RFC 3161 time-stamp token (a ContentInfo) over the
    signer's signature value, as Authenticode time-stamps it."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", path("tsa-key.pem"), "-out", path("tsa.pem"),
        "-subj", "/CN=Trawl Test TSA/O=Trawl Tests", "-days", "3650",
        "-set_serial", "0x5a5a", "-addext",
        "extendedKeyUsage=critical,timeStamping")
    open(path("serial"), "w").write("01\n")
    open(path("tsa.cnf"), "w").write(TSA_CONFIG.format(
        serial=path("serial"), cert=path("tsa.pem"),
        key=path("tsa-key.pem")))
    open(path("signature.bin"), "wb").write(signature_value)
    openssl("ts", "-query", "-data", path("signature.bin"), "-sha256",
        "-cert", "-no_nonce", "-out", path("query.tsq"))
    openssl("ts", "-reply", "-config", path("tsa.cnf"), "-queryfile",
        path("query.tsq"), "-token_out", "-out", path("token.der"))
    return open(path("token.der"), "rb").read()

def with_unsigned_attributes(blob, attributes):
    """Returns SignedData `blob` with `attributes`, (OID, value DER) pairs,
    added as the unsigned attributes of its first signer."""
    [(_, content_info)] = tlv(blob)
    content_type, (_, wrapped) = tlv(content_info)
    [(_, signed_data)] = tlv(wrapped)
    fields = tlv(signed_data)
    (signers_tag, signers) = fields[-1]
    first, *others = tlv(signers)
    signer = tlv(first[1])
    assert signer[-1][0] == 0x04, "signer already has unsigned attributes"
    unsigned = b"".join(
        der(0x30, oid(name) + der(0x31, value)) for name, value in attributes)
    signer_der = der(0x30, b"".join(der(*f) for f in signer)
        + der(0xA1, unsigned))
    signers = signer_der + b"".join(der(*f) for f in others)
    body = b"".join(der(*f) for f in fields[:-1]) + der(signers_tag, signers)
    return der(0x30, der(*content_type) + der(0xA0, der(0x30, body)))

def signer_signature_value(blob):
    [(_, content_info)] = tlv(blob)
    _, (_, wrapped) = tlv(content_info)
    [(_, signed_data)] = tlv(wrapped)
    first = tlv(tlv(signed_data)[-1][1])[0]
    return tlv(first[1])[-1][1]

def countersignature(signature_value, path):
    """Returns a PKCS #9 countersignature, a SignerInfo whose signed
    attributes carry the signing time, over a signer's signature value,
    as time-stamp servers wrote them before RFC 3161."""
    open(path("countersigned.bin"), "wb").write(signature_value)
    openssl("cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
        "-signer", path("tsa.pem"), "-inkey", path("tsa-key.pem"),
        "-in", path("countersigned.bin"), "-out", path("counter.der"))
    blob = open(path("counter.der"), "rb").read()
    [(_, content_info)] = tlv(blob)
    _, (_, wrapped) = tlv(content_info)
    [(_, signed_data)] = tlv(wrapped)
    [first, *_] = tlv(tlv(signed_data)[-1][1])
    return der(*first)

def with_certificate(blob, certificate):
    """Returns SignedData `blob` with one more DER certificate in its
    certificate set."""
    [(_, content_info)] = tlv(blob)
    content_type, (_, wrapped) = tlv(content_info)
    [(_, signed_data)] = tlv(wrapped)
    fields = tlv(signed_data)
    assert fields[3][0] == 0xA0, "SignedData carries no certificates"
    fields[3] = (0xA0, fields[3][1] + certificate)
    body = b"".join(der(*f) for f in fields)
    return der(0x30, der(*content_type) + der(0xA0, der(0x30, body)))

def main():
    nested = "--nested" in sys.argv[1:]
    pe = image()
    with tempfile.TemporaryDirectory() as tmp:
        def path(name):
            return os.path.join(tmp, name)
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", path("key.pem"), "-out", path("cert.pem"),
            "-subj", "/CN=Trawl Test Signer/O=Trawl Tests", "-days", "3650",
            "-set_serial", "0x1234abcd")
        blob = sign(pe, "sha256", path, "primary")
        if nested:
            inner = sign(pe, "sha1", path, "nested")
            token = timestamp_token(signer_signature_value(blob), path)
            counter = countersignature(signer_signature_value(inner), path)
            inner = with_unsigned_attributes(inner, [
                ("1.2.840.113549.1.9.6", counter),
            ])
            # A countersigner's certificate travels with the signature it
            # countersigns.
            openssl("x509", "-in", path("tsa.pem"), "-outform", "DER",
                "-out", path("tsa.der"))
            inner = with_certificate(inner, open(path("tsa.der"), "rb").read())
            blob = with_unsigned_attributes(blob, [
                ("1.3.6.1.4.1.311.2.4.1", inner),
                ("1.3.6.1.4.1.311.3.3.1", token),
            ])
    entry = struct.pack("<IHH", 8 + len(blob), 0x0200, 2) + blob
    entry += b"\0" * (-len(entry) % 8)
    struct.pack_into("<II", pe, 0x98 + 112 + 4 * 8, len(pe), len(entry))
    name = "signed-nested.exe" if nested else "signed-tiny.exe"
    open(name, "wb").write(pe + entry)

main()
