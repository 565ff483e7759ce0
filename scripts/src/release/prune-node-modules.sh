#!/bin/sh
# Strips what a production node_modules never loads, so each image stays within its size budget
# (about 120 MB of dependencies become about 45 MB). Run by both Dockerfiles after
# `pnpm install --prod`; the argument is the directory holding the node_modules trees.
set -eu

root="${1:?usage: prune-node-modules.sh <workspace-dir>}"

# Type declarations, TypeScript sources, source maps and docs: read by editors and compilers,
# never by `node`.
find "$root" -path '*/node_modules/*' -type f \( \
  -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
  -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
  -o -name '*.map' -o -name '*.md' -o -name '*.markdown' -o -name '*.tsbuildinfo' \
  \) -delete

# The compiler itself (about 24 MB) is pulled in only as an optional peer of @nestjs/swagger,
# whose compile-time plugin is the sole user; nothing requires it at runtime.
rm -rf "$root"/node_modules/.pnpm/typescript@*
