<?php
// The URL of a static file from Tarmac's tarmac-assets.json (docs/cdn-and-caches.md).
//
//   php assets.php public/tarmac-assets.json css/app.css   # prints the URL

function tarmac_asset_url(string $manifestPath, string $logical): string
{
    static $manifests = [];
    if (!isset($manifests[$manifestPath])) {
        $manifests[$manifestPath] =
            json_decode(file_get_contents($manifestPath), true, 512, JSON_THROW_ON_ERROR);
    }
    $manifest = $manifests[$manifestPath];
    // with release.cdn: the CDN's URL; without: your own server's root
    $base = rtrim($manifest['cdn'] ?? '', '/');
    // a file that is not fingerprinted is served under its own name
    return $base . '/' . ($manifest['paths'][$logical] ?? $logical);
}

if (PHP_SAPI === 'cli' && isset($argv[2]) && realpath($argv[0]) === __FILE__) {
    echo tarmac_asset_url($argv[1], $argv[2]), "\n";
}
