// The URL of a static file from Tarmac's tarmac-assets.json (docs/cdn-and-caches.md).
//
//   node assets.js public/tarmac-assets.json css/app.css   # prints the URL
"use strict";
const fs = require("fs");

function loadAssets(manifestPath) {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  const paths = manifest.paths || {};
  // with release.cdn: the CDN's URL; without: your own server's root
  const base = (manifest.cdn || "").replace(/\/+$/, "");
  // a file that is not fingerprinted is served under its own name
  return (logical) => base + "/" + (paths[logical] || logical);
}

module.exports = { loadAssets };

if (require.main === module) {
  console.log(loadAssets(process.argv[2])(process.argv[3]));
}
