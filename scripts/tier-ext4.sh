#!/usr/bin/env bash
# Vault on a real ext4 disk (issue 13, the red-team review's rows 28 and 29): runs
# crates/lantern-core/tests/vault_ext4.rs, which loop-mounts an ext4 image, fills,
# re-keys, purges, withdraws and wipes a vault on it, and scans the raw image.
# It needs root, mkfs.ext4 and loop mounts. Where a probe mount fails (a CI container
# without /dev/loop*, a user without root) it exits 77 and `make test` reports the tier
# as not run, with the reason; it is not required in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

not_run() { echo "not run: $*"; exit 77; }
[ "$(id -u)" = 0 ] || not_run "needs root for mount"
command -v mkfs.ext4 >/dev/null || not_run "mkfs.ext4 is missing (e2fsprogs)"
probe=$(mktemp -d)
trap 'umount "$probe/mnt" 2>/dev/null || true; rm -rf "$probe"' EXIT
mkdir "$probe/mnt"
truncate -s 8M "$probe/fs.img"
mkfs.ext4 -q -F "$probe/fs.img" >/dev/null 2>&1 || not_run "mkfs.ext4 failed on a file"
if ! mount -o loop "$probe/fs.img" "$probe/mnt" 2>"$probe/err"; then
  not_run "this machine does not allow loop mounts ($(head -c 200 "$probe/err"))"
fi
umount "$probe/mnt"

LANTERN_EXT4_SCAN=1 cargo test -p lantern-core --test vault_ext4
