"""The URL of a static file from Tarmac's tarmac-assets.json (docs/cdn-and-caches.md).

    python3 assets.py public/tarmac-assets.json css/app.css   # prints the URL
"""
import json
import sys


class Assets:
    def __init__(self, manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        self.paths = manifest.get("paths", {})
        # with release.cdn: the CDN's URL; without: your own server's root
        self.base = manifest.get("cdn", "").rstrip("/")

    def url(self, logical):
        # a file that is not fingerprinted is served under its own name
        return self.base + "/" + self.paths.get(logical, logical)


if __name__ == "__main__":
    print(Assets(sys.argv[1]).url(sys.argv[2]))
