#!/bin/sh
# Puts `tarmac` on your PATH: a link in $PREFIX/bin (default ~/.local/bin; /usr/local/bin for root)
# to bin/tarmac of this directory, and makes the class-data archive (lib/tarmac.jsa) that halves
# the command line's start (docs/cli.md, "Installing"). Run it again after moving this directory.
set -e
ROOT=$(cd "$(dirname "$0")" && pwd)
if [ -z "$PREFIX" ]; then
  if [ "$(id -u)" = 0 ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
command -v java >/dev/null 2>&1 || {
  echo "install.sh: java (17 or later) is not on the PATH; install a JDK or JRE 17 first" >&2
  exit 1
}
mkdir -p "$PREFIX/bin"
ln -sfn "$ROOT/bin/tarmac" "$PREFIX/bin/tarmac"
echo "tarmac -> $ROOT/bin/tarmac in $PREFIX/bin"
# a class-data archive of what a typical call loads, made by running one (AppCDS, Java 17)
rm -f "$ROOT/lib/tarmac.jsa"
if TARMAC_CDS_DUMP="$ROOT/lib/tarmac.jsa" "$ROOT/bin/tarmac" cds-training >/dev/null 2>&1 &&
  [ -s "$ROOT/lib/tarmac.jsa" ]; then
  echo "class-data archive: $ROOT/lib/tarmac.jsa"
else
  rm -f "$ROOT/lib/tarmac.jsa"
  echo "install.sh: no class-data archive (this Java cannot make one); tarmac works, starting slower" >&2
fi
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "add $PREFIX/bin to your PATH, e.g. in ~/.profile: export PATH=\"$PREFIX/bin:\$PATH\"" ;;
esac
