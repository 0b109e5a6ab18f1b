#!/usr/bin/env python3
"""Check a Lambda zip as cargo-lambda builds it: one `bootstrap`, an aarch64 Linux ELF
executable, and a size Lambda accepts (50 MB zipped for a direct upload). Prints its sizes."""
import sys
import zipfile

LIMIT = 50 * 1024 * 1024
path = sys.argv[1]
with zipfile.ZipFile(path) as archive:
    names = archive.namelist()
    if names != ["bootstrap"]:
        sys.exit(f"{path}: expected exactly a bootstrap, found {names}")
    data = archive.read("bootstrap")
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit(f"{path}: bootstrap is not a 64-bit ELF executable")
machine = int.from_bytes(data[18:20], "little")
if machine != 183:
    sys.exit(f"{path}: bootstrap is for machine {machine}, not aarch64 (183)")
zipped = len(open(path, "rb").read())
if zipped > LIMIT:
    sys.exit(f"{path}: {zipped} bytes zipped, over Lambda's {LIMIT}")
print(f"{path}: aarch64 bootstrap, {len(data) / 1e6:.1f} MB, {zipped / 1e6:.1f} MB zipped")
