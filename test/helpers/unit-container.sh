#!/usr/bin/env bash
# unit-container.sh CHECKOUT WORK UNIT DROPIN CONFIG - boots this machine's own Debian root under
# systemd-nspawn (systemd as PID 1, unified cgroup hierarchy, its own network namespace with only
# loopback) with mail2sms installed as a service: the root is an overlay of / with its writes in a
# tmpfs (nothing on the host changes), the user mail2sms in dialout, UNIT in /etc/systemd/system,
# DROPIN as its drop-in, CONFIG as /etc/mail2sms/config.yaml, CHECKOUT read-only at /opt/mail2sms.
# Run it as root inside `unshare --mount --propagation private` so the mounts stay private; it
# ends with the container (SIGTERM to it, or `systemctl poweroff` inside, shuts it down).
set -euo pipefail
checkout=$1 work=$2 unit=$3 dropin=$4 config=$5
root=$work/root
mkdir -p "$work/layer" "$root"
mount -t tmpfs -o mode=0755 tmpfs "$work/layer"
mkdir "$work/layer/upper" "$work/layer/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$work/layer/upper,workdir=$work/layer/work" "$root"
# The host's own services (enabled in its multi-user.target) do not start: the container boots to basic.target.
chroot "$root" id mail2sms >/dev/null 2>&1 || chroot "$root" useradd --system --home-dir /var/lib/mail2sms --no-create-home --shell /usr/sbin/nologin mail2sms
chroot "$root" usermod --append --groups dialout mail2sms
install -D -m 0644 "$unit" "$root/etc/systemd/system/mail2sms.service"
install -D -m 0644 "$dropin" "$root/etc/systemd/system/mail2sms.service.d/test.conf"
install -D -m 0644 "$config" "$root/etc/mail2sms/config.yaml"
mkdir -p "$root/opt/mail2sms"
# Unified cgroups, and bpf() (with CAP_BPF) for systemd in there: DevicePolicy= and IPAddressDeny=
# are BPF programs on the unit's cgroup; without them systemd runs the unit with neither.
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
exec systemd-nspawn --quiet --directory="$root" --boot --register=no --keep-unit --private-network \
  --capability=CAP_BPF --system-call-filter=bpf --machine="mail2sms-unit-$$" --bind-ro="$checkout:/opt/mail2sms" -- systemd.unit=basic.target
