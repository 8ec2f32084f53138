#!/usr/bin/env python3
"""Prints the compressed and uncompressed size (MiB) of an OCI archive's image.

    image_sizes.py ARCHIVE.oci.tar   ->   "12.3 45.6"

Compressed: the layer blobs as stored (what a registry or `podman load`
transfers). Uncompressed: the layers unpacked (what the image takes in a
container store). The first manifest of index.json is measured.
"""

import gzip
import json
import sys
import tarfile

MIB = 1024 * 1024


def blob(archive, digest):
    return archive.extractfile("blobs/" + digest.replace(":", "/"))


def sizes(path):
    with tarfile.open(path) as archive:
        index = json.load(archive.extractfile("index.json"))
        manifest = json.load(blob(archive, index["manifests"][0]["digest"]))
        packed = unpacked = 0
        for layer in manifest["layers"]:
            packed += layer["size"]
            stream = blob(archive, layer["digest"])
            if layer["mediaType"].endswith("+gzip") or layer["mediaType"].endswith(".gzip"):
                stream = gzip.GzipFile(fileobj=stream)
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                unpacked += len(chunk)
        return packed, unpacked


def main():
    packed, unpacked = sizes(sys.argv[1])
    print("%.1f %.1f" % (packed / MIB, unpacked / MIB))
    return 0


if __name__ == "__main__":
    sys.exit(main())
