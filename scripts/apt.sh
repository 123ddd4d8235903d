# Sourced by the scripts that install Debian packages (ensure-docker.sh, ensure-test-tools.sh).
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# One `apt-get update` for both scripts of a test set-up: package lists fetched in the last
# hour are used as they are.
apt_update() {
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
    as_root apt-get update -qq
  fi
}
