#!/usr/bin/env bash
# Build a binary Debian package of kvmstat-bpf with dpkg-deb (no debhelper): what
# `make install PREFIX=/usr` lays out, the binary stripped and the man page compressed as
# Debian's policy wants, /etc/default/kvmstat-bpf a conffile, dependencies from dpkg-shlibdeps.
# The service is installed, not enabled (`systemctl enable --now kvmstat-bpf` after setting
# its address). `make deb` runs it from the top directory; tests/install checks the package
# with lintian and installs and purges it in a scratch root.
#
# Usage: scripts/make-deb.sh OUTDIR     (prints the .deb's path)
# Environment: DEB_MAINTAINER="Name <mail>" for the Maintainer field.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:?usage: make-deb.sh OUTDIR}
MAINTAINER=${DEB_MAINTAINER:-kvmstat-bpf maintainers <kvmstat-bpf@example.org>}

die() {
	echo "make-deb: $*" >&2
	exit 1
}

cd "$ROOT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
VERSION=$(find user -name '*.h' -exec sed -n 's/^#define KVMSTAT_VERSION "\(.*\)"$/\1/p' {} + | head -n1)
[ -n "$VERSION" ] || die "no KVMSTAT_VERSION in user/"
ARCH=$(dpkg --print-architecture)
STAGE=$OUT/stage
DOC=$STAGE/usr/share/doc/kvmstat-bpf
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
DATE=$(date -u -R -d "@$EPOCH")
YEAR=$(date -u +%Y -d "@$EPOCH")

rm -rf "$STAGE"
make -s install DESTDIR="$STAGE" PREFIX=/usr UNITDIR=/lib/systemd/system
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/sbin/kvmstat-bpf"
gzip -9n "$STAGE/usr/share/man/man8/kvmstat-bpf.8"

mkdir -p "$DOC"
gzip -9n <README.md >"$DOC/README.md.gz"
cat >"$DOC/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: kvmstat-bpf

Files: *
Copyright: $YEAR the kvmstat-bpf authors
License: GPL-2
 This program is free software; you can redistribute it and/or modify it under the terms of
 the GNU General Public License version 2 as published by the Free Software Foundation.
 .
 On Debian systems, the complete text of the GNU General Public License version 2 can be
 found in /usr/share/common-licenses/GPL-2.
EOF
gzip -9n >"$DOC/changelog.gz" <<EOF
kvmstat-bpf ($VERSION) unstable; urgency=medium

  * Built from the kvmstat-bpf repository by scripts/make-deb.sh.

 -- $MAINTAINER  $DATE
EOF

# Runtime dependencies of the binary, as Debian's shlibs files state them.
shlibs=$(mktemp -d)
trap 'rm -rf "$shlibs"' EXIT
mkdir "$shlibs/debian"
printf 'Source: kvmstat-bpf\n\nPackage: kvmstat-bpf\nArchitecture: any\n' >"$shlibs/debian/control"
DEPENDS=$(cd "$shlibs" && dpkg-shlibdeps -O "$STAGE/usr/sbin/kvmstat-bpf" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || die "dpkg-shlibdeps found no dependencies of the binary"

mkdir -p "$STAGE/DEBIAN"
cat >"$STAGE/DEBIAN/control" <<EOF
Package: kvmstat-bpf
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
Depends: $DEPENDS
Section: admin
Priority: optional
Description: count and time KVM guest exits per class, VM and vCPU with eBPF
 kvmstat-bpf attaches CO-RE eBPF programs to the kvm_exit and kvm_entry
 tracepoints of arm64, RISC-V and x86 KVM hosts, classifies every exit, and
 counts and times it per VM and vCPU in the kernel. It shows live tables and
 latency histograms, writes NDJSON, and serves /metrics for Prometheus (with a
 systemd unit, a Grafana dashboard and alerting rules).
EOF
echo /etc/default/kvmstat-bpf >"$STAGE/DEBIAN/conffiles"

# Maintainer scripts: tell a running systemd about the unit; stop it before removal. Nothing
# when installing into another root (DPKG_ROOT) or without systemd.
cat >"$STAGE/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
EOF
cat >"$STAGE/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	deb-systemd-invoke stop kvmstat-bpf.service >/dev/null || true
fi
EOF
cat >"$STAGE/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = purge ] && [ -z "${DPKG_ROOT:-}" ] && command -v deb-systemd-helper >/dev/null; then
	deb-systemd-helper purge kvmstat-bpf.service >/dev/null || true
fi
EOF
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/prerm" "$STAGE/DEBIAN/postrm"
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z |
	xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"

DEB=$OUT/kvmstat-bpf_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
