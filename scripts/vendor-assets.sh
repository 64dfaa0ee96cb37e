#!/usr/bin/env bash
# Re-vendor the web app's third-party assets from the npm registry at pinned versions (run by a developer when a
# version changes; the app itself never downloads anything). Writes into src/wupian/web/static/vendor/.
#   bash scripts/vendor-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION="2.0.4"
ECHARTS_VERSION="5.6.0"
dest="src/wupian/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
( cd "$work" && npm pack --silent "htmx.org@$HTMX_VERSION" "echarts@$ECHARTS_VERSION" >/dev/null )
tar -xzf "$work/htmx.org-$HTMX_VERSION.tgz" -C "$work" && mv "$work/package" "$work/htmx"
tar -xzf "$work/echarts-$ECHARTS_VERSION.tgz" -C "$work" && mv "$work/package" "$work/echarts"
cp "$work/htmx/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$work/htmx/LICENSE" "$dest/htmx.LICENSE"
cp "$work/echarts/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$work/echarts/LICENSE" "$dest/echarts.LICENSE"
cp "$work/echarts/NOTICE" "$dest/echarts.NOTICE"
cat > "$dest/VERSIONS.txt" <<TXT
Vendored from the npm registry by scripts/vendor-assets.sh (do not edit by hand).
htmx.org $HTMX_VERSION  dist/htmx.min.js  sha256 $(sha256sum "$dest/htmx.min.js" | cut -d' ' -f1)  licence: 0BSD (htmx.LICENSE)
echarts $ECHARTS_VERSION  dist/echarts.min.js  sha256 $(sha256sum "$dest/echarts.min.js" | cut -d' ' -f1)  licence: Apache-2.0 (echarts.LICENSE, echarts.NOTICE)
TXT
echo "vendor-assets.sh: htmx.org $HTMX_VERSION and echarts $ECHARTS_VERSION in $dest"
