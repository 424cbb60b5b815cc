#!/bin/sh
# Tests are excluded from the artifact (build.exclude).
test -f public/index.html
