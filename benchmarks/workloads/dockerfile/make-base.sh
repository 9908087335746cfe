#!/bin/sh
# Imports a busybox root filesystem as the image moat-bench-base into the
# Docker engine this runs against (inside a Docker-in-Docker sandbox): the
# FROM of the reference Dockerfile, made without a registry.
#   make-base.sh BUSYBOX   BUSYBOX = a statically linked busybox binary
set -eu
busybox=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/tmp" "$work/etc"
cp "$busybox" "$work/bin/busybox"
chmod 0755 "$work/bin/busybox"
for applet in $("$work/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$work/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/etc/passwd"
tar -C "$work" -c . | docker import -c 'CMD ["/bin/sh"]' - moat-bench-base >/dev/null
docker image inspect --format '{{.Id}}' moat-bench-base
