#!/bin/bash
# start-host <port> <authorized public key> <deploy dir>: a fresh host key, the deploy user allowed
# to use the shared engine's socket and to own the deploy directory, then sshd in the foreground.
set -euo pipefail
port=$1 key=$2 dir=$3
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
mkdir -p /etc/ssh/authorized_keys
printf '%s\n' "$key" > /etc/ssh/authorized_keys/deploy
chmod 644 /etc/ssh/authorized_keys/deploy
gid=$(stat -c %g /var/run/docker.sock)
group=$(getent group "$gid" | cut -d: -f1 || true)
if [ -z "$group" ]; then group=engine; groupadd --gid "$gid" "$group"; fi
usermod -aG "$group" deploy
chown deploy: "$dir"
exec /usr/sbin/sshd -D -e -p "$port" -o ListenAddress=127.0.0.1 -h /etc/ssh/ssh_host_ed25519_key
