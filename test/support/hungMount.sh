#!/bin/sh
# Usage: unshare -m --propagation private sh hungMount.sh DIR COMMAND [ARG...]
#
# Mounts a FUSE file system on DIR that never answers, then execs COMMAND. Nothing serves the
# FUSE connection: its INIT request is never answered, so every call that reaches the mount
# (stat, statfs, open, readdir) waits in the kernel until the connection ends, which is what a
# dead NFS or FUSE server does to its clients. The connection is fd 3, inherited by COMMAND:
# it ends, and every waiting call with it (ENOTCONN), when the last process holding it exits.
# Run inside a private mount namespace (unshare -m) so that nothing else on the machine sees
# the mount, and the mount goes with the namespace. Needs root and /dev/fuse; no FUSE library.
set -eu
dir=$1
shift
mkdir -p "$dir"
exec 3<>/dev/fuse
mount -i -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 hung "$dir"
exec "$@"
