#!/usr/bin/env python3
"""Writes signed-tiny.exe: a minimal PE32+ image with one section and an
Authenticode signature made by a throwaway self-signed key.

The signature is a CMS SignedData from `openssl cms` whose content is an
SpcIndirectDataContent holding the SHA-256 Authenticode digest of the
image, so the digest in it matches the file. Run it from this directory;
it needs python3 and openssl.
"""
import hashlib, os, struct, subprocess, tempfile

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

def authentihash(data, opt):
    checksum = opt + 64
    security = opt + 112 + 4 * 8
    h = hashlib.sha256()
    h.update(data[:checksum])
    h.update(data[checksum + 4:security])
    h.update(data[security + 8:0x200])
    h.update(data[0x200:0x400])
    return h.digest()

def main():
    pe = image()
    digest = authentihash(pe, 0x98)
    pe_image_data = der(0x30, der(0x03, b"\x00"))
    spc = der(0x30,
        der(0x30, oid("1.3.6.1.4.1.311.2.1.15") + pe_image_data)
        + der(0x30, der(0x30, oid("2.16.840.1.101.3.4.2.1") + b"\x05\x00")
              + der(0x04, digest)))
    with tempfile.TemporaryDirectory() as tmp:
        def path(name):
            return os.path.join(tmp, name)
        open(path("content.der"), "wb").write(spc)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
            "-nodes", "-keyout", path("key.pem"), "-out", path("cert.pem"),
            "-subj", "/CN=Trawl Test Signer/O=Trawl Tests", "-days", "3650",
            "-set_serial", "0x1234abcd"], check=True, capture_output=True)
        subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach",
            "-outform", "DER", "-md", "sha256",
            "-econtent_type", "1.3.6.1.4.1.311.2.1.4",
            "-signer", path("cert.pem"), "-inkey", path("key.pem"),
            "-in", path("content.der"), "-out", path("sig.der")],
            check=True, capture_output=True)
        blob = authenticode_shape(open(path("sig.der"), "rb").read())
    entry = struct.pack("<IHH", 8 + len(blob), 0x0200, 2) + blob
    entry += b"\0" * (-len(entry) % 8)
    struct.pack_into("<II", pe, 0x98 + 112 + 4 * 8, len(pe), len(entry))
    open("signed-tiny.exe", "wb").write(pe + entry)

main()
